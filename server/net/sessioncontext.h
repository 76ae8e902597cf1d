#pragma once

namespace Confab {
struct ServerConfig;
namespace Store {
class StoreService;
class BlobStore;
} // namespace Store
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

#include "userratelimiter.h"

#include <QtGlobal>

namespace Confab::Net {

//! Sign-in outcomes, for the metrics endpoint. Network thread.
struct SignInCounters
{
    quint64 passwordOk = 0; //!< logins and registrations
    quint64 passwordFailed = 0;
    quint64 tokenOk = 0; //!< session resumes
    quint64 tokenFailed = 0;
};

//! What a session needs from the server that owns it. Owned by the Server; network thread.
struct SessionContext
{
    const ServerConfig &config;
    Store::StoreService &store;
    Store::BlobStore &blobs;
    Auth::AuthService &auth;
    Routing::Router &router;
    Presence::PresenceTracker &presence;
    SignInCounters signIns;
    bool stopping = false; //!< the server is shutting down: refuse new work
    UserRateLimiter userRates; //!< ServerConfig::userRatePerSecond, per user
};

} // namespace Confab::Net
