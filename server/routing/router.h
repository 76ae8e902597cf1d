#pragma once

#include "store/records.h"

#include <QHash>
#include <QList>

namespace Confab::Net {
class Session;
}

namespace Confab::Routing {

//! Knows which sessions of which users are online and pushes events to them. An event is
//! serialised once and the same bytes go to every recipient. Network thread only.
class Router final
{
public:
    void add(Net::Session *session);
    void remove(Net::Session *session);

    //! Pushes a committed message to every online device of every member, except `origin` (the
    //! sending device, which gets the ack instead). Returns how many sessions got it.
    int deliver(const Store::Appended &appended, const Net::Session *origin);

    [[nodiscard]] int onlineUsers() const { return int(m_sessions.size()); }
    [[nodiscard]] int sessionCount() const { return m_sessionCount; }
    [[nodiscard]] QList<Net::Session *> sessionsOf(quint64 userId) const;

private:
    QHash<quint64, QList<Net::Session *>> m_sessions;
    int m_sessionCount = 0;
};

} // namespace Confab::Routing
