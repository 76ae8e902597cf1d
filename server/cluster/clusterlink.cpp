#include "clusterlink.h"

#include "cluster/cluster.pb.h"

#include <confab/ids.h>
#include <confab/logging.h>

#include <QDateTime>

namespace Confab::Cluster {

namespace {

const QByteArray kNodes = QByteArrayLiteral("confab:nodes");
const QByteArray kJobsLease = QByteArrayLiteral("confab:jobs");

// Holds KEYS[1] for ARGV[1] (an instance) for ARGV[2] ms if free or already its own: 1, else 0.
const QByteArray kRenewScript =
    QByteArrayLiteral("local holder = redis.call('GET', KEYS[1]) "
                      "if holder == false or holder == ARGV[1] then "
                      "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
                      "return 0");

// The first free node id, ARGV[3] (preferred) first, then 0..ARGV[4]; -1 when none is.
const QByteArray kClaimScript =
    QByteArrayLiteral("local function take(id) "
                      "  local key = 'confab:node:' .. id "
                      "  local holder = redis.call('GET', key) "
                      "  if holder == false or holder == ARGV[1] then "
                      "    redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) return true end "
                      "  return false end "
                      "if take(tonumber(ARGV[3])) then return tonumber(ARGV[3]) end "
                      "for id = 0, tonumber(ARGV[4]) do if take(id) then return id end end "
                      "return -1");

// Deletes KEYS[1] if ARGV[1] holds it.
const QByteArray kReleaseScript = QByteArrayLiteral(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0");

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

QByteArray ClusterLink::nodeKey(quint16 nodeId)
{
    return QByteArrayLiteral("confab:node:") + QByteArray::number(nodeId);
}

QByteArray ClusterLink::channelOf(quint16 nodeId)
{
    return QByteArrayLiteral("confab:to:") + QByteArray::number(nodeId);
}

Result<quint16> ClusterLink::claimNodeId(const RedisAddress &address, quint16 preferred,
                                         const QByteArray &instance)
{
    auto reply = RedisConnection::commandNow(
        address,
        { QByteArrayLiteral("EVAL"), kClaimScript, "0", instance, QByteArray::number(kNodeTtlMs),
          QByteArray::number(preferred), QByteArray::number(SnowflakeGenerator::kMaxNodeId) });
    if (!reply)
        return reply.error();
    if (reply.value().type != RedisReply::Type::Integer)
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("Redis refused the node id claim: %1")
                           .arg(QString::fromUtf8(reply.value().string)) };
    if (reply.value().integer < 0)
        return Error { ErrorCode::UNAVAILABLE,
                       QStringLiteral("every node id (0-%1) is held by a live node")
                           .arg(SnowflakeGenerator::kMaxNodeId) };
    return quint16(reply.value().integer);
}

ClusterLink::ClusterLink(const RedisAddress &address, quint16 nodeId, QByteArray instance,
                         Routing::Router &router, Presence::PresenceTracker &presence,
                         QObject *parent)
    : QObject(parent), m_address(address), m_nodeId(nodeId), m_instance(std::move(instance)),
      m_router(router), m_presence(presence), m_commands(address, QStringLiteral("redis")),
      m_subscriber(address, QStringLiteral("redis subscriber"))
{
    m_heartbeat.setInterval(kHeartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &ClusterLink::heartbeat);
    connect(&m_commands, &RedisConnection::connected, this, [this] {
        // Redis may have restarted: whoever is alive shows up again, and gets this node's
        // presence then; nobody is taken for gone before they had the time to.
        m_connectedFor.start();
        m_live.clear();
        heartbeat();
    });
    connect(&m_commands, &RedisConnection::disconnected, this, [this] {
        setJobsLease(false); // not renewed now: another node may take it once it expires
    });
    connect(&m_subscriber, &RedisConnection::message, this,
            [this](const QByteArray &, const QByteArray &payload) { received(payload); });
}

ClusterLink::~ClusterLink()
{
    stop();
}

void ClusterLink::start()
{
    m_router.setRemote(this);
    m_presence.setPeers(this);
    m_subscriber.subscribe(channelOf(m_nodeId));
    m_subscriber.open();
    m_commands.open();
    m_heartbeat.start();
}

void ClusterLink::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_heartbeat.stop();
    m_router.setRemote(nullptr);
    m_presence.setPeers(nullptr);
    if (m_commands.isConnected()) {
        // Waited for: the others see this node gone at once, and its id is free again.
        static_cast<void>(RedisConnection::commandNow(
            m_address, { QByteArrayLiteral("ZREM"), kNodes, QByteArray::number(m_nodeId) }, 500));
        static_cast<void>(RedisConnection::commandNow(
            m_address,
            { QByteArrayLiteral("EVAL"), kReleaseScript, "1", nodeKey(m_nodeId), m_instance },
            500));
        static_cast<void>(RedisConnection::commandNow(
            m_address, { QByteArrayLiteral("EVAL"), kReleaseScript, "1", kJobsLease, m_instance },
            500));
    }
}

void ClusterLink::fallSilent()
{
    m_heartbeat.stop();
    m_stopped = true;
    disconnect(&m_subscriber, nullptr, this, nullptr);
}

void ClusterLink::heartbeat()
{
    if (!m_commands.isConnected())
        return;
    const qint64 now = nowMs();
    m_commands.command({ QByteArrayLiteral("EVAL"), kRenewScript, "1", nodeKey(m_nodeId),
                         m_instance, QByteArray::number(kNodeTtlMs) },
                       [this](const RedisReply &reply) {
                           if (reply.type == RedisReply::Type::Integer && reply.integer == 0) {
                               qCCritical(lcCluster)
                                   << "node id" << m_nodeId
                                   << "is held by another instance now: this node stops";
                               Q_EMIT nodeIdLost();
                           }
                       });
    m_commands.command({ QByteArrayLiteral("EVAL"), kRenewScript, "1", kJobsLease, m_instance,
                         QByteArray::number(kNodeTtlMs) },
                       [this](const RedisReply &reply) {
                           if (reply.type == RedisReply::Type::Integer)
                               setJobsLease(reply.integer == 1);
                       });
    m_commands.command({ QByteArrayLiteral("ZADD"), kNodes, QByteArray::number(now + kNodeTtlMs),
                         QByteArray::number(m_nodeId) });
    m_commands.command({ QByteArrayLiteral("ZREMRANGEBYSCORE"), kNodes, "-inf",
                         QByteArray::number(now - 60'000) });
    m_commands.command(
        { QByteArrayLiteral("ZRANGEBYSCORE"), kNodes, QByteArray::number(now), "+inf" },
        [this](const RedisReply &reply) {
            if (reply.type != RedisReply::Type::Array)
                return;
            QSet<quint16> seen;
            for (const RedisReply &element : reply.elements) {
                bool ok = false;
                const uint node = element.string.toUInt(&ok);
                if (ok && node <= SnowflakeGenerator::kMaxNodeId && node != m_nodeId)
                    seen.insert(quint16(node));
            }
            bool changed = false;
            for (const quint16 node : seen) {
                if (!m_live.contains(node)) {
                    qCInfo(lcCluster) << "node" << node << "is up";
                    sendSnapshot(node, true);
                    changed = true;
                }
                m_live.insert(node, nowMs() + kNodeTtlMs);
            }
            if (!m_ready) {
                // The first look: those alive now were told of this node (the snapshots
                // above), and what waited goes out.
                m_ready = true;
                for (const QByteArray &payload : std::exchange(m_early, {}))
                    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it)
                        sendTo(it.key(), payload);
            }
            // Gone: not renewed within its TTL. Just after Redis came back, wait that long.
            if (m_connectedFor.isValid() && m_connectedFor.elapsed() >= kNodeTtlMs) {
                for (auto it = m_live.begin(); it != m_live.end();) {
                    if (seen.contains(it.key())) {
                        ++it;
                        continue;
                    }
                    qCInfo(lcCluster) << "node" << it.key() << "is gone";
                    m_presence.remoteNodeGone(it.key());
                    it = m_live.erase(it);
                    changed = true;
                }
            }
            if (changed)
                Q_EMIT nodesChanged();
        });
}

void ClusterLink::setJobsLease(bool held)
{
    if (m_stopped || held == m_jobsLease)
        return;
    m_jobsLease = held;
    qCInfo(lcCluster) << (held ? "this node runs the cluster's jobs now"
                               : "this node no longer runs the cluster's jobs");
    Q_EMIT jobsLeaseChanged(held);
}

void ClusterLink::publish(confab::cluster::Event &event)
{
    event.set_from_node(m_nodeId);
    const std::string bytes = event.SerializeAsString();
    const QByteArray payload(bytes.data(), qsizetype(bytes.size()));
    if (!m_ready) {
        if (m_early.size() < kMaxEarly)
            m_early.push_back(payload);
        else
            ++m_lostPublishes;
        return;
    }
    for (auto it = m_live.cbegin(); it != m_live.cend(); ++it)
        sendTo(it.key(), payload);
}

void ClusterLink::sendTo(quint16 node, const QByteArray &payload)
{
    if (m_commands.command({ QByteArrayLiteral("PUBLISH"), channelOf(node), payload }))
        ++m_published;
    else
        ++m_lostPublishes; // Redis is down: that node's sessions catch up by sync
}

void ClusterLink::sendSnapshot(quint16 node, bool reply)
{
    confab::cluster::Event event;
    event.set_from_node(m_nodeId);
    auto *snapshot = event.mutable_snapshot();
    snapshot->set_reply(reply);
    const auto states = m_presence.localStates();
    for (const auto &[userId, state] : states) {
        auto *user = snapshot->add_users();
        user->set_user_id(userId);
        user->set_state(state);
    }
    const std::string bytes = event.SerializeAsString();
    sendTo(node, QByteArray(bytes.data(), qsizetype(bytes.size())));
}

void ClusterLink::received(const QByteArray &payload)
{
    confab::cluster::Event event;
    if (!event.ParseFromArray(payload.constData(), int(payload.size()))) {
        qCWarning(lcCluster) << "an event from Redis that does not parse (" << payload.size()
                             << "bytes): ignored";
        return;
    }
    const quint32 from = event.from_node();
    if (from == m_nodeId || from > SnowflakeGenerator::kMaxNodeId)
        return;
    ++m_received;
    if (!m_live.contains(quint16(from))) {
        // A node that just came says so (its snapshot) before the next heartbeat shows it:
        // from now on it gets what is published here, and hears of this node's users.
        qCInfo(lcCluster) << "node" << from << "is up";
        m_live.insert(quint16(from), nowMs() + kNodeTtlMs);
        if (!(event.has_snapshot() && event.snapshot().reply()))
            sendSnapshot(quint16(from), false);
        Q_EMIT nodesChanged();
    }
    switch (event.body_case()) {
    case confab::cluster::Event::kDeliver: {
        Store::Appended appended;
        appended.message = event.deliver().message();
        appended.memberIds = { event.deliver().member_ids().begin(),
                               event.deliver().member_ids().end() };
        appended.direct = event.deliver().direct();
        m_router.deliverHere(appended, nullptr);
        break;
    }
    case confab::cluster::Event::kBroadcast: {
        const std::string &frame = event.broadcast().frame();
        m_router.broadcastHere(
            { event.broadcast().user_ids().begin(), event.broadcast().user_ids().end() },
            QByteArray(frame.data(), qsizetype(frame.size())));
        break;
    }
    case confab::cluster::Event::kPresence:
        m_presence.remoteState(quint16(from), event.presence().user_id(), event.presence().state(),
                               event.presence().last_seen_ms());
        break;
    case confab::cluster::Event::kSnapshot: {
        QList<QPair<quint64, pb::PresenceState>> states;
        for (const auto &user : event.snapshot().users())
            states.append({ user.user_id(), user.state() });
        m_presence.remoteSnapshot(quint16(from), states);
        // It came (back): it hears of this node's users too.
        if (event.snapshot().reply())
            sendSnapshot(quint16(from), false);
        break;
    }
    case confab::cluster::Event::kContactsChanged:
        m_presence.contactsChanged({ event.contacts_changed().user_ids().begin(),
                                     event.contacts_changed().user_ids().end() },
                                   true);
        break;
    case confab::cluster::Event::kJoined:
        m_presence.joined(
            { event.joined().user_ids().begin(), event.joined().user_ids().end() },
            { event.joined().member_ids().begin(), event.joined().member_ids().end() }, true);
        break;
    case confab::cluster::Event::kBecameContacts:
        m_presence.becameContacts(event.became_contacts().a(), event.became_contacts().b(), true);
        break;
    case confab::cluster::Event::kForgetMembers:
        m_router.forgetMembersHere(event.forget_members().conversation_id());
        break;
    case confab::cluster::Event::BODY_NOT_SET:
        break;
    }
}

void ClusterLink::deliver(const Store::Appended &appended)
{
    confab::cluster::Event event;
    auto *deliver = event.mutable_deliver();
    *deliver->mutable_message() = appended.message;
    for (quint64 member : appended.memberIds)
        deliver->add_member_ids(member);
    deliver->set_direct(appended.direct);
    publish(event);
}

void ClusterLink::broadcast(const QList<quint64> &userIds, const QByteArray &frame)
{
    confab::cluster::Event event;
    auto *broadcast = event.mutable_broadcast();
    for (quint64 userId : userIds)
        broadcast->add_user_ids(userId);
    broadcast->set_frame(frame.constData(), size_t(frame.size()));
    publish(event);
}

void ClusterLink::forgetMembers(quint64 conversationId)
{
    confab::cluster::Event event;
    event.mutable_forget_members()->set_conversation_id(conversationId);
    publish(event);
}

void ClusterLink::presenceChanged(quint64 userId, pb::PresenceState state, qint64 lastSeenMs)
{
    confab::cluster::Event event;
    auto *presence = event.mutable_presence();
    presence->set_user_id(userId);
    presence->set_state(state);
    presence->set_last_seen_ms(lastSeenMs);
    publish(event);
}

void ClusterLink::contactsChanged(const QList<quint64> &userIds)
{
    confab::cluster::Event event;
    for (quint64 userId : userIds)
        event.mutable_contacts_changed()->add_user_ids(userId);
    publish(event);
}

void ClusterLink::joined(const QList<quint64> &userIds, const QList<quint64> &memberIds)
{
    confab::cluster::Event event;
    for (quint64 userId : userIds)
        event.mutable_joined()->add_user_ids(userId);
    for (quint64 memberId : memberIds)
        event.mutable_joined()->add_member_ids(memberId);
    publish(event);
}

void ClusterLink::becameContacts(quint64 a, quint64 b)
{
    confab::cluster::Event event;
    event.mutable_became_contacts()->set_a(a);
    event.mutable_became_contacts()->set_b(b);
    publish(event);
}

} // namespace Confab::Cluster
