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
    //! The other nodes of a cluster (Cluster::ClusterLink): what is delivered or broadcast here
    //! goes to their sessions too.
    class Remote
    {
    public:
        virtual ~Remote() = default;
        virtual void deliver(const Store::Appended &appended) = 0;
        virtual void broadcast(const QList<quint64> &userIds, const QByteArray &frame) = 0;
        virtual void forgetMembers(quint64 conversationId) = 0;
    };
    void setRemote(Remote *remote) { m_remote = remote; }

    void add(Net::Session *session);
    void remove(Net::Session *session);

    //! Pushes a committed message to every online device of every member, except `origin` (the
    //! sending device, which gets the ack instead), on this node and the others. Returns how
    //! many sessions here got it.
    int deliver(const Store::Appended &appended, const Net::Session *origin);
    //! Sends one encoded event to every online device of these users, except `origin`, on this
    //! node and the others. Returns how many sessions here got it.
    int broadcast(const QList<quint64> &userIds, const QByteArray &frame,
                  const Net::Session *origin = nullptr);
    //! The same, to this node's sessions only (what another node sent; presence, which each
    //! node tells its own sessions).
    int deliverHere(const Store::Appended &appended, const Net::Session *origin);
    int broadcastHere(const QList<quint64> &userIds, const QByteArray &frame,
                      const Net::Session *origin = nullptr);

    //! The current members of conversations, as last learned from the store (for typing, which
    //! must not cost a database read per keystroke). Forget them when membership changes.
    [[nodiscard]] const QList<quint64> *cachedMembers(quint64 conversationId) const;
    void cacheMembers(quint64 conversationId, const QList<quint64> &memberIds);
    //! (And the other nodes forget them too.)
    void forgetMembers(quint64 conversationId)
    {
        forgetMembersHere(conversationId);
        if (m_remote)
            m_remote->forgetMembers(conversationId);
    }
    void forgetMembersHere(quint64 conversationId) { m_members.remove(conversationId); }

    [[nodiscard]] int onlineUsers() const { return int(m_sessions.size()); }
    [[nodiscard]] int sessionCount() const { return m_sessionCount; }
    [[nodiscard]] QList<Net::Session *> sessionsOf(quint64 userId) const;

private:
    Remote *m_remote = nullptr;
    QHash<quint64, QList<Net::Session *>> m_sessions;
    int m_sessionCount = 0;
    QHash<quint64, QList<quint64>> m_members;
    static constexpr int kMaxCachedConversations = 100'000;
};

} // namespace Confab::Routing
