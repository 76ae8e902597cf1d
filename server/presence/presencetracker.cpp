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
    const auto it = m_users.constFind(userId);
    return it == m_users.cend() ? pb::PRESENCE_OFFLINE : it->announced;
}

void PresenceTracker::sessionOnline(Net::Session *session)
{
    const quint64 userId = session->userId();
    User &user = m_users[userId];
    user.away.insert(session, false);
    loadContacts(userId, session);
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
    pb::Envelope event;
    auto *presence = event.mutable_presence_event()->add_presences();
    presence->set_user_id(userId);
    presence->set_state(state);
    presence->set_last_seen_ms(lastSeenMs);
    const int sessions = m_router.broadcast(user.contacts, Codec::encode(event));
    ++m_broadcasts;
    qCDebug(lcRoute) << "user" << userId << "is" << pb::PresenceState_Name(state).c_str() << "->"
                     << sessions << "sessions";
}

void PresenceTracker::loadContacts(quint64 userId, Net::Session *only)
{
    QPointer<Net::Session> target(only);
    m_store.run(
        this,
        [userId](Store::Store &store) -> Result<std::pair<QList<quint64>, QHash<quint64, qint64>>> {
            auto contacts = store.contactsOf(userId);
            if (!contacts)
                return contacts.error();
            auto seen = store.lastSeen(contacts.value());
            if (!seen)
                return seen.error();
            return std::make_pair(contacts.value(), seen.value());
        },
        [this, userId, target,
         only](const Result<std::pair<QList<quint64>, QHash<quint64, qint64>>> &loaded) {
            if (!loaded) {
                qCWarning(lcRoute) << "cannot load the contacts of user" << userId << ":"
                                   << loaded.error().message;
                return;
            }
            const auto &[contacts, lastSeen] = loaded.value();
            const auto it = m_users.find(userId);
            if (it != m_users.end()) {
                // Contacts who did not know of this user yet hear its state now.
                QList<quint64> newcomers;
                for (quint64 contact : contacts)
                    if (!it->contacts.contains(contact))
                        newcomers.append(contact);
                it->contacts = contacts;
                it->contactsLoaded = true;
                if (it->announced != pb::PRESENCE_OFFLINE && !newcomers.isEmpty()) {
                    pb::Envelope event;
                    auto *presence = event.mutable_presence_event()->add_presences();
                    presence->set_user_id(userId);
                    presence->set_state(it->announced);
                    m_router.broadcast(newcomers, Codec::encode(event));
                }
            }
            if (only) {
                if (target && target->state() == Net::Session::State::Live)
                    sendSnapshot(target, contacts, lastSeen);
                return;
            }
            for (Net::Session *session : m_router.sessionsOf(userId))
                sendSnapshot(session, contacts, lastSeen);
        });
}

void PresenceTracker::sendSnapshot(Net::Session *session, const QList<quint64> &contacts,
                                   const QHash<quint64, qint64> &lastSeen)
{
    if (contacts.isEmpty())
        return;
    pb::Envelope event;
    auto *presences = event.mutable_presence_event();
    for (quint64 contact : contacts) {
        auto *presence = presences->add_presences();
        presence->set_user_id(contact);
        const pb::PresenceState state = announced(contact);
        presence->set_state(state);
        if (state == pb::PRESENCE_OFFLINE)
            presence->set_last_seen_ms(lastSeen.value(contact));
    }
    session->send(event);
}

void PresenceTracker::contactsChanged(const QList<quint64> &userIds)
{
    for (quint64 userId : userIds)
        refreshContacts(userId);
}

void PresenceTracker::refreshContacts(quint64 userId)
{
    // Contacts are symmetric: whoever shares a conversation with the user has the user as a
    // contact. One query for the user corrects every online user's view of it.
    m_store.run(
        this,
        [userId](Store::Store &store) -> Result<std::pair<QList<quint64>, QHash<quint64, qint64>>> {
            auto contacts = store.contactsOf(userId);
            if (!contacts)
                return contacts.error();
            auto seen = store.lastSeen(contacts.value() + QList<quint64> { userId });
            if (!seen)
                return seen.error();
            return std::make_pair(contacts.value(), seen.value());
        },
        [this, userId](const Result<std::pair<QList<quint64>, QHash<quint64, qint64>>> &loaded) {
            if (!loaded) {
                qCWarning(lcRoute) << "cannot load the contacts of user" << userId << ":"
                                   << loaded.error().message;
                return;
            }
            const auto &[contacts, lastSeen] = loaded.value();
            const QSet<quint64> now(contacts.cbegin(), contacts.cend());
            auto presenceOf = [this, &lastSeen](quint64 who) {
                pb::Envelope event;
                auto *presence = event.mutable_presence_event()->add_presences();
                presence->set_user_id(who);
                presence->set_state(announced(who));
                if (presence->state() == pb::PRESENCE_OFFLINE)
                    presence->set_last_seen_ms(lastSeen.value(who));
                return event;
            };
            // The others' view of this user.
            QList<quint64> told;
            for (auto it = m_users.begin(); it != m_users.end(); ++it) {
                if (it.key() == userId)
                    continue;
                const bool should = now.contains(it.key());
                const bool has = it->contacts.contains(userId);
                if (should && !has) {
                    it->contacts.append(userId);
                    told.append(it.key());
                } else if (!should && has) {
                    it->contacts.removeAll(userId);
                }
            }
            if (!told.isEmpty())
                m_router.broadcast(told, Codec::encode(presenceOf(userId)));
            // The user's own view: those new to it hear of each.
            const auto self = m_users.find(userId);
            if (self == m_users.end())
                return;
            QList<quint64> newcomers;
            for (quint64 contact : contacts)
                if (!self->contacts.contains(contact))
                    newcomers.append(contact);
            self->contacts = contacts;
            self->contactsLoaded = true;
            if (newcomers.isEmpty())
                return;
            pb::Envelope event;
            for (quint64 contact : newcomers)
                *event.mutable_presence_event()->add_presences() =
                    presenceOf(contact).presence_event().presences(0);
            m_router.broadcast({ userId }, Codec::encode(event));
        });
}

} // namespace Confab::Presence
