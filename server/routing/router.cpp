#include "router.h"

#include "net/session.h"

#include <confab/codec.h>
#include <confab/logging.h>

#include <QDateTime>

#include <array>

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

template<typename Encode>
static int sendToUsers(const QHash<quint64, QList<Net::Session *>> &sessions,
                       const QList<quint64> &userIds, const Net::Session *origin, Encode encode)
{
    QByteArray frame; // serialised lazily, once: nobody online, no work
    int delivered = 0;
    for (quint64 userId : userIds) {
        const auto it = sessions.constFind(userId);
        if (it == sessions.cend())
            continue;
        // A copy: sending may close a slow session, which removes it from the router's list.
        const QList<Net::Session *> targets = it.value();
        for (Net::Session *session : targets) {
            if (session == origin)
                continue;
            if (frame.isEmpty())
                frame = encode();
            session->sendFrame(frame);
            ++delivered;
        }
    }
    return delivered;
}

int Router::broadcast(const QList<quint64> &userIds, const QByteArray &frame,
                      const Net::Session *origin)
{
    if (m_remote)
        m_remote->broadcast(userIds, frame);
    return broadcastHere(userIds, frame, origin);
}

int Router::broadcastHere(const QList<quint64> &userIds, const QByteArray &frame,
                          const Net::Session *origin)
{
    return sendToUsers(m_sessions, userIds, origin, [&frame] { return frame; });
}

int Router::deliver(const Store::Appended &appended, const Net::Session *origin)
{
    if (m_remote)
        m_remote->deliver(appended);
    return deliverHere(appended, origin);
}

const QList<quint64> *Router::cachedMembers(quint64 conversationId) const
{
    const auto it = m_members.constFind(conversationId);
    return it == m_members.cend() ? nullptr : &it.value();
}

void Router::cacheMembers(quint64 conversationId, const QList<quint64> &memberIds)
{
    if (m_members.size() >= kMaxCachedConversations && !m_members.contains(conversationId))
        m_members.clear(); // bounded; it refills from the store as needed
    m_members.insert(conversationId, memberIds);
}

int Router::deliverHere(const Store::Appended &appended, const Net::Session *origin)
{
    // Each recipient gets it with the priority its user's preferences give it (PROTOCOL.md
    // §15): at most one encoding per priority, each made once, when first needed.
    std::array<QByteArray, pb::NotifyPriority_ARRAYSIZE> frames;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    int delivered = 0;
    for (quint64 userId : appended.memberIds) {
        const auto it = m_sessions.constFind(userId);
        if (it == m_sessions.cend())
            continue;
        // A copy: sending may close a slow session, which removes it from the router's list.
        const QList<Net::Session *> targets = it.value();
        for (Net::Session *session : targets) {
            if (session == origin)
                continue;
            const pb::NotifyPriority priority =
                session->notifyPriority(appended.message, appended.direct, nowMs);
            QByteArray &frame = frames[size_t(priority)];
            if (frame.isEmpty()) {
                pb::Envelope event;
                *event.mutable_message_event()->mutable_message() = appended.message;
                event.mutable_message_event()->set_priority(priority);
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
