#pragma once

#include <confab/pb.h>

#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>

namespace Confab {
namespace Net {
class Session;
}
namespace Routing {
class Router;
}
namespace Store {
class StoreService;
}
} // namespace Confab

namespace Confab::Presence {

//! Who is online, away or offline, and who is told (DESIGN.md §5, PROTOCOL.md §8).
//!
//! A user is online while any device is connected and not away, away while every connected
//! device says it is away, offline when none is connected. Changes go only to the user's
//! contacts (everyone who shares a current conversation with them), serialised once. Offline
//! is announced only after the grace period, so a reconnect within it broadcasts nothing, and
//! last-seen is stored then. Each session gets its contacts' presence once after sign-in; when
//! a membership change gives someone new contacts, they hear of just those. Network thread.
//!
//! In a cluster each node tells its own sessions. A node publishes its own view of each of its
//! users (what it would announce alone) to the others (Peers), keeps theirs (remoteState()),
//! and tells its sessions the combination: online if online anywhere, away if connected
//! somewhere but away everywhere, else offline. Changes to contacts reach every node the same
//! way, and each applies them to its own online users.
class PresenceTracker final : public QObject
{
    Q_OBJECT
public:
    //! The other nodes of a cluster (Cluster::ClusterLink).
    class Peers
    {
    public:
        virtual ~Peers() = default;
        virtual void presenceChanged(quint64 userId, pb::PresenceState state,
                                     qint64 lastSeenMs) = 0;
        virtual void contactsChanged(const QList<quint64> &userIds) = 0;
        virtual void joined(const QList<quint64> &userIds, const QList<quint64> &memberIds) = 0;
        virtual void becameContacts(quint64 a, quint64 b) = 0;
    };
    void setPeers(Peers *peers) { m_peers = peers; }
    //! What another node says of one of its users (its own view, as published).
    void remoteState(quint16 node, quint64 userId, pb::PresenceState state, qint64 lastSeenMs);
    //! Everything another node has online or away (whoever is not listed is offline there).
    void remoteSnapshot(quint16 node, const QList<QPair<quint64, pb::PresenceState>> &states);
    //! A node stopped (or is no longer heard of): its users are offline there.
    void remoteNodeGone(quint16 node);
    //! This node's own view of its users who are not offline: for a node that joins.
    [[nodiscard]] QList<QPair<quint64, pb::PresenceState>> localStates() const;

    PresenceTracker(Routing::Router &router, Store::StoreService &store, int graceMs,
                    QObject *parent = nullptr);
    ~PresenceTracker() override;

    void sessionOnline(Net::Session *session);
    void sessionOffline(Net::Session *session);
    void setAway(Net::Session *session, bool away);
    //! These users left conversations (or were removed): their contacts are looked up again
    //! (one query each), every online user's view of them is corrected, and whoever gained a
    //! contact hears of its presence.
    //! (On every node: `fromPeer` when another node asks.)
    void contactsChanged(const QList<quint64> &userIds, bool fromPeer = false);
    //! These users joined a conversation with these members: contacts only grow. Online joiners
    //! are looked up as above, but without scanning every online user; offline joiners cost one
    //! query in all (their last-seen), told to the members online now. So a group of 1,000
    //! mostly offline members costs a few queries, not 1,000 lookups and scans.
    void joined(const QList<quint64> &userIds, const QList<quint64> &memberIds,
                bool fromPeer = false);
    //! Contact lookups run so far (each is a store query): tests see the cost.
    [[nodiscard]] int contactLookups() const { return m_contactLookups; }
    //! A first direct message made two users contacts: each hears of the other (one small
    //! query, for last-seen), with no lookup of anyone's whole contact list.
    void becameContacts(quint64 a, quint64 b, bool fromPeer = false);

    //! Online/away changes of one user are broadcast at most this often; changes in between are
    //! coalesced into the one that follows (a client toggling away would otherwise make every
    //! contact's devices hear of each toggle).
    static constexpr qint64 kMinAnnounceIntervalMs = 1000;

    //! The user's state as this node's sessions were told: all nodes combined.
    [[nodiscard]] pb::PresenceState announced(quint64 userId) const;
    [[nodiscard]] int broadcasts() const { return m_broadcasts; }

private:
    struct User
    {
        QHash<Net::Session *, bool> away; //!< connected sessions and whether each is away
        pb::PresenceState announced = pb::PRESENCE_OFFLINE;
        QSet<quint64> contacts;
        int generation = 0; //!< bumps on every state change; stale grace timers see it
        qint64 announcedAtMs = -1; //!< monotonic; when online/away was last broadcast
        bool announcePending = false; //!< a change waits out kMinAnnounceIntervalMs
    };

    [[nodiscard]] static pb::PresenceState computed(const User &user);
    void update(quint64 userId);
    //! The user's state here changed: the other nodes hear of it, and this node's sessions of
    //! the combination if that changed.
    void announce(quint64 userId, pb::PresenceState state, qint64 lastSeenMs);
    //! Tells this node's sessions of the user's combined state if it is not what they were told.
    void tellCombined(quint64 userId, qint64 lastSeenMs);
    [[nodiscard]] pb::PresenceState combined(quint64 userId) const;
    struct Contacts
    {
        QList<quint64> contacts;
        QHash<quint64, qint64> lastSeen; //!< of the contacts and of the user
    };
    //! Looks the user's contacts up in the store; `then` runs on this thread.
    void lookUpContacts(quint64 userId, std::function<void(const Contacts &)> then);
    //! Makes online users' contacts agree with `found`, and tells the user's state to those
    //! who did not know it. Returns the contacts new to the user. Adding takes only the
    //! user's contacts; removing (someone left a conversation) scans every online user.
    enum class Scan { AddOnly, All };
    QList<quint64> applyContacts(quint64 userId, const Contacts &found, Scan scan);
    //! Tells the user's devices of these contacts.
    void tellOfContacts(quint64 userId, const QList<quint64> &contacts,
                        const QHash<quint64, qint64> &lastSeen);
    void addEntry(pb::PresenceEvent *event, quint64 userId,
                  const QHash<quint64, qint64> &lastSeen) const;
    void sendSnapshot(Net::Session *session, const Contacts &found);

    Routing::Router &m_router;
    Store::StoreService &m_store;
    const int m_graceMs;
    int m_contactLookups = 0;
    QHash<quint64, User> m_users;
    Peers *m_peers = nullptr;
    //! Other nodes' views of their users, by user and node (offline ones are not kept).
    QHash<quint64, QHash<quint16, pb::PresenceState>> m_remote;
    //! The combined state this node's sessions were told, by user (offline ones are not kept).
    QHash<quint64, pb::PresenceState> m_told;
    int m_broadcasts = 0;
};

} // namespace Confab::Presence
