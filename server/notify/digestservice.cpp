#include "digestservice.h"

#include "app/serverconfig.h"
#include "routing/router.h"
#include "store/storeservice.h"

#include <confab/handback.h>
#include <confab/logging.h>

#include <QDateTime>

namespace Confab::Notify {

namespace {
constexpr int kCandidatesPerSweep = 100;
constexpr int kItemsPerDigest = 500;
constexpr int kMailsPerRound = 20;
constexpr qint64 kMaxRetryMs = 3'600'000;
} // namespace

DigestService::DigestService(const ServerConfig &config, Store::StoreService &store,
                             const Routing::Router &router, QObject *parent)
    : QObject(parent), m_config(config), m_store(store), m_router(router)
{
    m_smtp.url = config.smtpUrl;
    m_smtp.from = config.mailFrom;
    m_smtp.username = config.smtpUsername;
    m_smtp.password = config.smtpPassword;
    m_smtp.requireTls = config.smtpRequireTls;
    m_options.serverName = config.serverName;
    m_options.previews = config.digestPreviews;
    initMail();
    connect(&m_timer, &QTimer::timeout, this, &DigestService::sweep);
}

DigestService::~DigestService()
{
    m_abort = true; // libcurl checks it at least once a second
    if (m_mailThread.joinable())
        m_mailThread.join();
    // A round not recorded yet (its hand-back event dies with this object): recorded now; the
    // store runs what is queued before it stops.
    if (auto round = std::exchange(m_round, nullptr))
        record(*round);
}

void DigestService::start()
{
    m_timer.start(m_config.digestSweepMs);
    qCInfo(lcNet) << "email digests through" << m_smtp.url << "after"
                  << m_config.digestAfterMs / 60'000 << "min away, at most one per"
                  << m_config.digestIntervalMs / 60'000 << "min";
    sweep();
}

void DigestService::customEvent(QEvent *event)
{
    HandBack::dispatch(event);
}

void DigestService::sweep()
{
    pump(); // mails whose retry is due
    if (m_sweeping)
        return;
    m_sweeping = true;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_store.run(
        this,
        [after = m_afterUserId, seenBefore = now - m_config.digestAfterMs,
         sentBefore = now - m_config.digestIntervalMs](Store::Store &store) {
            return store.digestCandidates(after, seenBefore, sentBefore, kCandidatesPerSweep);
        },
        [this](const Result<QList<Store::DigestCandidate>> &candidates) {
            if (!candidates) {
                m_sweeping = false;
                qCWarning(lcStore) << "digests:" << candidates.error().message;
                return;
            }
            // Round and round: the next sweep goes on after the last one seen.
            m_afterUserId = candidates.value().size() < kCandidatesPerSweep
                ? 0
                : candidates.value().last().userId;
            collect(candidates.value());
        });
}

void DigestService::collect(const QList<Store::DigestCandidate> &candidates)
{
    // Nobody with a session here: a user online on some device reads there.
    QList<Store::DigestCandidate> away;
    for (const Store::DigestCandidate &candidate : candidates)
        if (m_router.sessionsOf(candidate.userId).isEmpty())
            away.append(candidate);
    if (away.isEmpty()) {
        m_sweeping = false;
        return;
    }
    m_store.run(
        this,
        [away, options = m_options](Store::Store &store) -> Result<int> {
            int queued = 0;
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            for (const Store::DigestCandidate &user : away) {
                auto items = store.unreadForDigest(user.userId, user.coveredMs, kItemsPerDigest);
                if (!items)
                    return items.error();
                qint64 covered = 0;
                const auto email = composeDigest(user, items.value(), options, now, &covered);
                if (!email)
                    continue;
                auto done = store.queueDigest(*email, covered, now);
                if (!done)
                    return done.error();
                ++queued;
            }
            return queued;
        },
        [this](const Result<int> &queued) {
            m_sweeping = false;
            if (!queued) {
                qCWarning(lcStore) << "digests:" << queued.error().message;
                return;
            }
            if (queued.value() > 0) {
                qCInfo(lcNet) << "queued" << queued.value() << "digest email(s)";
                pump();
            }
        });
}

void DigestService::pump()
{
    if (m_sending)
        return;
    m_sending = true;
    m_store.run(
        this,
        [](Store::Store &store) {
            return store.dueEmails(QDateTime::currentMSecsSinceEpoch(), kMailsPerRound);
        },
        [this](const Result<QList<Store::OutgoingEmail>> &due) {
            if (!due || due.value().isEmpty()) {
                m_sending = false;
                return;
            }
            if (m_mailThread.joinable())
                m_mailThread.join(); // the last round's, finished
            auto outcomes = std::make_shared<QList<Outcome>>();
            m_round = outcomes;
            m_mailThread = std::thread([this, outcomes, emails = due.value(), smtp = m_smtp,
                                        serverName = m_options.serverName] {
                for (const Store::OutgoingEmail &email : emails) {
                    if (m_abort)
                        break;
                    const QByteArray formatted = formatEmail(smtp, email, serverName);
                    outcomes->append({ email, sendEmail(smtp, formatted, email.to, m_abort) });
                }
                HandBack::post(this, [this, outcomes] { finishSending(outcomes); });
            });
        });
}

qint64 DigestService::retryDelayMs(int attempts) const
{
    qint64 delay = std::max<qint64>(1, m_config.mailRetryMs);
    for (int i = 0; i < attempts && delay < kMaxRetryMs; ++i)
        delay *= 2;
    return std::min(delay, kMaxRetryMs);
}

void DigestService::finishSending(const std::shared_ptr<QList<Outcome>> &outcomes)
{
    if (m_mailThread.joinable())
        m_mailThread.join();
    m_round.reset();
    const bool allSent = record(*outcomes);
    // The outcomes are recorded before the next round reads the outbox (the store keeps
    // queue order), so nothing sent is picked up again.
    m_store.run(
        this, [](Store::Store &) { return Result<void>(); },
        [this, again = allSent && outcomes->size() == kMailsPerRound](const Result<void> &) {
            m_sending = false;
            if (again)
                pump(); // a full round went through: there may be more
        });
}

bool DigestService::record(const QList<Outcome> &outcomes)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool allSent = !outcomes.isEmpty();
    for (const Outcome &outcome : outcomes) {
        const quint64 emailId = outcome.email.emailId;
        if (outcome.result) {
            ++m_sent;
            m_store.run(
                this, [emailId](Store::Store &store) { return store.emailSent(emailId); },
                [](const Result<void> &) {});
            continue;
        }
        allSent = false;
        ++m_failures;
        const int attempts = outcome.email.attempts + 1;
        if (attempts >= kMaxAttempts) {
            ++m_dropped;
            qCWarning(lcNet) << "gave up on digest email" << emailId << "to user"
                             << outcome.email.userId << "after" << attempts
                             << "attempts:" << outcome.result.error().message;
            m_store.run(
                this, [emailId](Store::Store &store) { return store.emailSent(emailId); },
                [](const Result<void> &) {});
            continue;
        }
        qCWarning(lcNet) << "digest email" << emailId << "not sent (attempt" << attempts
                         << "):" << outcome.result.error().message;
        const qint64 next = now + retryDelayMs(attempts - 1);
        m_store.run(
            this,
            [emailId, next, error = outcome.result.error().message](Store::Store &store) {
                return store.emailFailed(emailId, next, error);
            },
            [](const Result<void> &) {});
    }
    return allSent;
}

} // namespace Confab::Notify
