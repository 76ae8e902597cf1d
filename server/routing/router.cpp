#include "router.h"

#include "net/session.h"

#include <confab/codec.h>
#include <confab/logging.h>

namespace Confab::Routing {

void Router::add(Net::Session *session)
{
    auto &sessions = m_sessions[session->userId()];
    if (!sessions.contains(session)) {
        sessions.append(session);
        ++m_sessionCount;
    }
}

void Router::remove(Net::Session *session)
{
    const auto it = m_sessions.find(session->userId());
    if (it == m_sessions.end())
        return;
    if (it->removeOne(session))
        --m_sessionCount;
    if (it->isEmpty())
        m_sessions.erase(it);
}

QList<Net::Session *> Router::sessionsOf(quint64 userId) const
{
    return m_sessions.value(userId);
}

int Router::deliver(const Store::Appended &appended, const Net::Session *origin)
{
    QByteArray frame; // serialised lazily: nobody online, no work
    int delivered = 0;
    for (quint64 memberId : appended.memberIds) {
        const auto it = m_sessions.constFind(memberId);
        if (it == m_sessions.cend())
            continue;
        // A copy: sending may close a slow session, which removes it from the router's list.
        const QList<Net::Session *> targets = it.value();
        for (Net::Session *session : targets) {
            if (session == origin)
                continue;
            if (frame.isEmpty()) {
                pb::Envelope event;
                *event.mutable_message_event()->mutable_message() = appended.message;
                frame = Codec::encode(event);
            }
            session->sendFrame(frame);
            ++delivered;
        }
    }
    qCDebug(lcRoute) << "message" << appended.message.message_id() << "to" << delivered
                     << "sessions";
    return delivered;
}

} // namespace Confab::Routing
