#pragma once

#include "presence/presencetracker.h"
#include "redisclient.h"
#include "routing/router.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <vector>

namespace confab::cluster {
class Event;
}

namespace Confab::Cluster {

//! This node's link to the others of a cluster, through Redis (DESIGN.md §6):
//! - Node ids: each node holds `confab:node:<id>` (its instance token, a TTL renewed every
//!   kHeartbeatMs), so no two live nodes issue Snowflake ids with the same node id; one that
//!   finds its id taken by another (after a Redis outage longer than the TTL) stops issuing.
//! - Who is alive: the sorted set `confab:nodes`, each node's score the time its heartbeat
//!   expires. A node not renewed within kNodeTtlMs is gone: its users go offline here.
//! - Routing: what the Router delivers or broadcasts here goes, as one Event, to every other
//!   live node's channel `confab:to:<id>`, whose Router hands it to its own sessions.
//! - Presence: each node publishes its own view of its users; a node that appears gets every
//!   other node's snapshot.
//! Redis down: messages are still stored and acked, and reach the sessions of this node; the
//! other nodes' sessions get them when they sync (on reconnecting, or on seeing the gap at the
//! next live message). Main thread.
class ClusterLink final : public QObject,
                          public Routing::Router::Remote,
                          public Presence::PresenceTracker::Peers
{
    Q_OBJECT
public:
    ClusterLink(const RedisAddress &address, quint16 nodeId, QByteArray instance,
                Routing::Router &router, Presence::PresenceTracker &presence,
                QObject *parent = nullptr);
    ~ClusterLink() override;

    void start();
    //! Stops heartbeats and gives the node id back (a clean stop: the others see it gone now).
    void stop();
    //! Stops heartbeats and listening without a word, as a node that was killed: for tests of
    //! what the others do then.
    void fallSilent();

    //! Claims a node id for this instance: `preferred` if free (or already this instance's),
    //! else the lowest free one. Waits for Redis (start-up, before the event loop).
    [[nodiscard]] static Result<quint16> claimNodeId(const RedisAddress &address, quint16 preferred,
                                                     const QByteArray &instance);

    // Routing::Router::Remote
    void deliver(const Store::Appended &appended) override;
    void broadcast(const QList<quint64> &userIds, const QByteArray &frame) override;
    void forgetMembers(quint64 conversationId) override;
    // Presence::PresenceTracker::Peers
    void presenceChanged(quint64 userId, pb::PresenceState state, qint64 lastSeenMs) override;
    void contactsChanged(const QList<quint64> &userIds) override;
    void joined(const QList<quint64> &userIds, const QList<quint64> &memberIds) override;
    void becameContacts(quint64 a, quint64 b) override;

    [[nodiscard]] quint16 nodeId() const { return m_nodeId; }
    [[nodiscard]] QList<quint16> liveNodes() const { return m_live.keys(); }
    [[nodiscard]] bool isConnected() const { return m_commands.isConnected(); }
    [[nodiscard]] bool holdsJobsLease() const { return m_jobsLease; }
    //! Whether this node knows the others and they were told of it (its first heartbeat is
    //! done): till then /healthz says 503, so the balancer sends nobody here whose messages
    //! could miss another node. What it publishes before then waits and goes out then.
    [[nodiscard]] bool isReady() const { return m_ready; }
    //! Events published and received, and publishes that failed (Redis down).
    [[nodiscard]] quint64 published() const { return m_published; }
    [[nodiscard]] quint64 received() const { return m_received; }
    [[nodiscard]] quint64 lostPublishes() const { return m_lostPublishes; }

    static constexpr int kHeartbeatMs = 1000;
    static constexpr int kNodeTtlMs = 5000;
    static QByteArray nodeKey(quint16 nodeId);
    static QByteArray channelOf(quint16 nodeId);

Q_SIGNALS:
    //! Another instance holds this node's id now: this node must stop issuing ids (and serving).
    void nodeIdLost();
    //! The set of live nodes changed.
    void nodesChanged();
    //! This node took (true) or lost (false) the lease to run the cluster's jobs (digests,
    //! archive, retention): one node runs them at a time.
    void jobsLeaseChanged(bool held);

private:
    void heartbeat();
    void publish(confab::cluster::Event &event);
    void sendTo(quint16 node, const QByteArray &payload);
    void received(const QByteArray &payload);
    //! This node's users to that node; `reply`: it sends its own back.
    void sendSnapshot(quint16 node, bool reply);

    const RedisAddress m_address;
    const quint16 m_nodeId;
    const QByteArray m_instance;
    Routing::Router &m_router;
    Presence::PresenceTracker &m_presence;
    RedisConnection m_commands;
    RedisConnection m_subscriber;
    QTimer m_heartbeat;
    QHash<quint16, qint64> m_live; //!< the other live nodes, and when each expires (ms)
    QElapsedTimer m_connectedFor; //!< since Redis came (back): absent nodes are not gone yet
    bool m_stopped = false;
    bool m_jobsLease = false;
    bool m_ready = false;
    std::vector<QByteArray> m_early; //!< published before ready; bounded (kMaxEarly)
    static constexpr size_t kMaxEarly = 100'000;
    void setJobsLease(bool held);
    quint64 m_published = 0;
    quint64 m_received = 0;
    quint64 m_lostPublishes = 0;
};

} // namespace Confab::Cluster
