#pragma once

namespace Confab {
struct ServerConfig;
namespace Store {
class StoreService;
}
namespace Auth {
class AuthService;
}
namespace Routing {
class Router;
}
namespace Presence {
class PresenceTracker;
}
} // namespace Confab

namespace Confab::Net {

//! What a session needs from the server that owns it. Owned by the Server; network thread.
struct SessionContext
{
    const ServerConfig &config;
    Store::StoreService &store;
    Auth::AuthService &auth;
    Routing::Router &router;
    Presence::PresenceTracker &presence;
    bool stopping = false; //!< the server is shutting down: refuse new work
};

} // namespace Confab::Net
