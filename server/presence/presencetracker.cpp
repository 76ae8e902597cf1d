#include "presencetracker.h"

#include "net/session.h"
#include "routing/router.h"
#include "store/storeservice.h"

#include <confab/codec.h>
#include <confab/logging.h>

#include <QDateTime>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace Confab::Presence {

namespace {
qint64 wallClockMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

PresenceTracker::PresenceTracker(Routing::Router &router, Store::StoreService &store, int graceMs,
                                 QObject *parent)
    : QObject(parent), m_router(router), m_store(store), m_graceMs(graceMs)
{ }

PresenceTracker::~PresenceTracker() = default;

pb::PresenceState PresenceTracker::computed(const User &user)
{
    if (user.away.isEmpty())
        return pb::PRESENCE_OFFLINE;
    for (bool away : user.away)
        if (!away)
            return pb::PRESENCE_ONLINE;
    return pb::PRESENCE_AWAY;
}

pb::PresenceState PresenceTracker::announced(quint64 userId) const
{
    return combined(userId);
}

pb::PresenceState PresenceTracker::combined(quint64 userId) const
{
    const auto here = m_users.constFind(userId);
    pb::PresenceState state = here == m_users.cend() ? pb::PRESENCE_OFFLINE : here->announced;
    const auto there = m_remote.constFind(userId);
    if (there == m_remote.cend() || state == pb::PRESENCE_ONLINE)
        return state;
    for (const pb::PresenceState other : *there) {
        if (other == pb::PRESENCE_ONLINE)
            return other;
        if (other == pb::PRESENCE_AWAY)
            state = other;
    }
    return state;
}

void PresenceTracker::tellCombined(quint64 userId, qint64 lastSeenMs)
{
    const pb::PresenceState now = combined(userId);
    const pb::PresenceState before = m_told.value(userId, pb::PRESENCE_OFFLINE);
    if (now == before)
        return;
    if (now == pb::PRESENCE_OFFLINE)
        m_told.remove(userId);
    else
        m_told.insert(userId, now);
    // Those online here who have the user as a contact: the user's own contacts, when it is
    // online here; else every online user who knows it (contacts are symmetric).
    QList<quint64> told;
    if (const auto self = m_users.constFind(userId); self != m_users.cend()) {
        told = { self->contacts.cbegin(), self->contacts.cend() };
    } else {
        for (auto it = m_users.cbegin(); it != m_users.cend(); ++it)
            if (it->contacts.contains(userId))
                told.append(it.key());
    }
    pb::Envelope event;
    auto *presence = event.mutable_presence_event()->add_presences();
    presence->set_user_id(userId);
    presence->set_state(now);
    presence->set_last_seen_ms(now == pb::PRESENCE_OFFLINE ? lastSeenMs : 0);
    const int sessions = m_router.broadcastHere(told, Codec::encode(event));
    ++m_broadcasts;
    qCDebug(lcRoute) << "user" << userId << "is" << pb::PresenceState_Name(now).c_str() << "->"
                     << sessions << "sessions";
}

void PresenceTracker::remoteState(quint16 node, quint64 userId, pb::PresenceState state,
                                  qint64 lastSeenMs)
{
    if (state == pb::PRESENCE_OFFLINE) {
        const auto it = m_remote.find(userId);
        if (it == m_remote.end() || !it->remove(node))
            return;
        if (it->isEmpty())
            m_remote.erase(it);
    } else {
        m_remote[userId].insert(node, state);
    }
    tellCombined(userId, lastSeenMs);
}

void PresenceTracker::remoteSnapshot(quint16 node,
                                     const QList<QPair<quint64, pb::PresenceState>> &states)
{
    QSet<quint64> listed;
    for (const auto &[userId, state] : states)
        listed.insert(userId);
    QList<quint64> gone;
    for (auto it = m_remote.cbegin(); it != m_remote.cend(); ++it)
        if (it->contains(node) && !listed.contains(it.key()))
            gone.append(it.key());
    const qint64 now = wallClockMs();
    for (quint64 userId : gone)
        remoteState(node, userId, pb::PRESENCE_OFFLINE, now);
    for (const auto &[userId, state] : states)
        remoteState(node, userId, state, now);
}

void PresenceTracker::remoteNodeGone(quint16 node)
{
    QList<quint64> affected;
    for (auto it = m_remote.begin(); it != m_remote.end();) {
        if (it->remove(node))
            affected.append(it.key());
        if (it->isEmpty())
            it = m_remote.erase(it);
        else
            ++it;
    }
    const qint64 now = wallClockMs();
    for (quint64 userId : affected)
        tellCombined(userId, now);
}

QList<QPair<quint64, pb::PresenceState>> PresenceTracker::localStates() const
{
    QList<QPair<quint64, pb::PresenceState>> states;
    for (auto it = m_users.cbegin(); it != m_users.cend(); ++it)
        if (it->announced != pb::PRESENCE_OFFLINE)
            states.append({ it.key(), it->announced });
    return states;
}

void PresenceTracker::sessionOnline(Net::Session *session)
{
    const quint64 userId = session->userId();
    User &user = m_users[userId];
    user.away.insert(session, false);
    QPointer<Net::Session> target(session);
    lookUpContacts(userId, [this, userId, target](const Contacts &found) {
        applyContacts(userId, found, Scan::AddOnly);
        if (target && target->state() == Net::Session::State::Live)
            sendSnapshot(target, found); // the new session hears of everyone
    });
    update(userId);
}

void PresenceTracker::sessionOffline(Net::Session *session)
{
    const auto it = m_users.find(session->userId());
    if (it == m_users.end() || !it->away.remove(session))
        return;
    update(session->userId());
}

void PresenceTracker::setAway(Net::Session *session, bool away)
{
    const auto it = m_users.find(session->userId());
    if (it == m_users.end() || !it->away.contains(session))
        return;
    it->away.insert(session, away);
    update(session->userId());
}

void PresenceTracker::update(quint64 userId)
{
    User &user = m_users[userId];
    const pb::PresenceState now = computed(user);
    ++user.generation;
    if (now == user.announced) {
        if (now == pb::PRESENCE_OFFLINE)
            m_users.remove(userId);
        return; // e.g. back within the grace period: nobody hears of it
    }
    if (now != pb::PRESENCE_OFFLINE) {
        const qint64 sinceMs = Net::Session::monotonicMs() - user.announcedAtMs;
        if (user.announcedAtMs >= 0 && sinceMs < kMinAnnounceIntervalMs) {
            if (!user.announcePending) { // the latest state goes out when the interval ends
                user.announcePending = true;
                QTimer::singleShot(kMinAnnounceIntervalMs - sinceMs, this, [this, userId] {
                    const auto it = m_users.find(userId);
                    if (it == m_users.end() || !it->announcePending)
                        return;
                    it->announcePending = false;
                    update(userId);
                });
            }
            return;
        }
        announce(userId, now, 0);
        return;
    }
    // Offline: only if it lasts. A reconnect meanwhile bumps the generation. Last seen is when
    // the last connection closed, not when the grace period ended.
    const int generation = user.generation;
    const qint64 lastSeen = wallClockMs();
    QTimer::singleShot(m_graceMs, this, [this, userId, generation, lastSeen] {
        const auto it = m_users.find(userId);
        if (it == m_users.end() || it->generation != generation
            || computed(*it) != pb::PRESENCE_OFFLINE)
            return;
        announce(userId, pb::PRESENCE_OFFLINE, lastSeen);
        m_users.remove(userId);
        m_store.run(
            this,
            [userId, lastSeen](Store::Store &store) { return store.setLastSeen(userId, lastSeen); },
            [userId](const Result<void> &done) {
                if (!done)
                    qCWarning(lcRoute) << "cannot store last-seen of user" << userId << ":"
                                       << done.error().message;
            });
    });
}

void PresenceTracker::announce(quint64 userId, pb::PresenceState state, qint64 lastSeenMs)
{
    User &user = m_users[userId];
    user.announced = state;
    user.announcedAtMs = Net::Session::monotonicMs();
    if (m_peers)
        m_peers->presenceChanged(userId, state, lastSeenMs);
    tellCombined(userId, lastSeenMs);
}

void PresenceTracker::lookUpContacts(quint64 userId, std::function<void(const Contacts &)> then)
{
    ++m_contactLookups;
    m_store.run(
        this,
        [userId](Store::Store &store) -> Result<Contacts> {
            auto contacts = store.contactsOf(userId);
            if (!contacts)
                return contacts.error();
            // Last-seen of the contacts, for the user's view, and of the user, for theirs.
            auto seen = store.lastSeen(contacts.value() + QList<quint64> { userId });
            if (!seen)
                return seen.error();
            return Contacts { contacts.value(), seen.value() };
        },
        [userId, then = std::move(then)](const Result<Contacts> &loaded) {
            if (!loaded) {
                qCWarning(lcRoute) << "cannot load the contacts of user" << userId << ":"
                                   << loaded.error().message;
                return;
            }
            then(loaded.value());
        });
}

void PresenceTracker::addEntry(pb::PresenceEvent *event, quint64 userId,
                               const QHash<quint64, qint64> &lastSeen) const
{
    auto *presence = event->add_presences();
    presence->set_user_id(userId);
    presence->set_state(announced(userId));
    if (presence->state() == pb::PRESENCE_OFFLINE)
        presence->set_last_seen_ms(lastSeen.value(userId));
}

QList<quint64> PresenceTracker::applyContacts(quint64 userId, const Contacts &found, Scan scan)
{
    // Contacts are symmetric: whoever shares a conversation with the user has the user as a
    // contact, so one lookup corrects every online user's view of it.
    const QSet<quint64> now(found.contacts.cbegin(), found.contacts.cend());
    const auto self = m_users.find(userId);
    QList<quint64> newcomers; // new to the user: its earlier announcements missed them
    if (self != m_users.end()) {
        for (quint64 contact : found.contacts)
            if (!self->contacts.contains(contact))
                newcomers.append(contact);
        self->contacts = now;
    }
    QSet<quint64> told(newcomers.cbegin(), newcomers.cend());
    const auto add = [&](quint64 other, User &user) {
        if (!user.contacts.contains(userId)) {
            user.contacts.insert(userId);
            told.insert(other);
        }
    };
    if (scan == Scan::All) {
        for (auto it = m_users.begin(); it != m_users.end(); ++it) {
            if (it.key() == userId)
                continue;
            if (now.contains(it.key()))
                add(it.key(), *it);
            else
                it->contacts.remove(userId);
        }
    } else {
        // Only additions: those of the user's contacts who are online. (Removals always come
        // through contactsChanged, which scans.)
        for (quint64 contact : found.contacts) {
            const auto it = m_users.find(contact);
            if (it != m_users.end())
                add(contact, *it);
        }
    }
    if (!told.isEmpty()) {
        pb::Envelope event;
        addEntry(event.mutable_presence_event(), userId, found.lastSeen);
        m_router.broadcastHere({ told.cbegin(), told.cend() }, Codec::encode(event));
    }
    return newcomers;
}

void PresenceTracker::tellOfContacts(quint64 userId, const QList<quint64> &contacts,
                                     const QHash<quint64, qint64> &lastSeen)
{
    if (contacts.isEmpty())
        return;
    pb::Envelope event;
    for (quint64 contact : contacts)
        addEntry(event.mutable_presence_event(), contact, lastSeen);
    m_router.broadcastHere({ userId }, Codec::encode(event));
}

void PresenceTracker::sendSnapshot(Net::Session *session, const Contacts &found)
{
    if (found.contacts.isEmpty())
        return;
    pb::Envelope event;
    for (quint64 contact : found.contacts)
        addEntry(event.mutable_presence_event(), contact, found.lastSeen);
    session->send(event);
}

void PresenceTracker::contactsChanged(const QList<quint64> &userIds, bool fromPeer)
{
    if (m_peers && !fromPeer)
        m_peers->contactsChanged(userIds);
    for (quint64 userId : userIds) {
        lookUpContacts(userId, [this, userId](const Contacts &found) {
            // The user's own devices hear of just those who are new to them.
            tellOfContacts(userId, applyContacts(userId, found, Scan::All), found.lastSeen);
        });
    }
}

void PresenceTracker::joined(const QList<quint64> &userIds, const QList<quint64> &memberIds,
                             bool fromPeer)
{
    if (m_peers && !fromPeer)
        m_peers->joined(userIds, memberIds);
    QList<quint64> offline;
    for (quint64 userId : userIds) {
        if (!m_users.contains(userId)) {
            offline.append(userId);
            continue;
        }
        lookUpContacts(userId, [this, userId](const Contacts &found) {
            tellOfContacts(userId, applyContacts(userId, found, Scan::AddOnly), found.lastSeen);
        });
    }
    // Offline joiners: the members online now learn of them (offline, with last-seen). The
    // joiners learn of everyone in their snapshot when they sign in.
    QList<quint64> online;
    for (quint64 member : memberIds)
        if (m_users.contains(member) && !offline.contains(member))
            online.append(member);
    if (offline.isEmpty() || online.isEmpty())
        return;
    m_store.run(
        this, [offline](Store::Store &store) { return store.lastSeen(offline); },
        [this, offline, online](const Result<QHash<quint64, qint64>> &seen) {
            if (!seen) {
                qCWarning(lcRoute) << "cannot load last-seen:" << seen.error().message;
                return;
            }
            for (quint64 member : online) {
                const auto it = m_users.find(member);
                if (it == m_users.end())
                    continue;
                QList<quint64> learnt;
                for (quint64 joiner : offline) {
                    if (joiner != member && !it->contacts.contains(joiner)) {
                        it->contacts.insert(joiner);
                        learnt.append(joiner);
                    }
                }
                tellOfContacts(member, learnt, seen.value());
            }
        });
}

void PresenceTracker::becameContacts(quint64 a, quint64 b, bool fromPeer)
{
    if (m_peers && !fromPeer)
        m_peers->becameContacts(a, b);
    const auto online = [this](quint64 id) { return m_users.contains(id); };
    if (a == b || (!online(a) && !online(b)))
        return; // nobody to tell now; each learns of the other at sign-in
    m_store.run(
        this,
        [a, b](Store::Store &store) {
            return store.lastSeen({ a, b });
        },
        [this, a, b](const Result<QHash<quint64, qint64>> &seen) {
            if (!seen) {
                qCWarning(lcRoute)
                    << "cannot load last-seen of users" << a << b << ":" << seen.error().message;
                return;
            }
            for (const auto &[self, other] : { std::pair { a, b }, std::pair { b, a } }) {
                const auto it = m_users.find(self);
                if (it == m_users.end() || it->contacts.contains(other))
                    continue;
                it->contacts.insert(other);
                tellOfContacts(self, { other }, seen.value());
            }
        });
}

} // namespace Confab::Presence
