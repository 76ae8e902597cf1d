#include "app/server.h"
#include "epolltestmain.h"
#include "notify/digestservice.h"
#include "wireclient.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace Confab;

namespace {

//! A mail as the sink filed it.
struct Mail
{
    QString to; //!< the envelope recipient
    QString subject; //!< decoded
    QString body; //!< decoded
    QByteArray raw;
};

//! A real SMTP server on 127.0.0.1: Debian's aiosmtpd, filing every mail in a maildir.
class SmtpSink
{
public:
    SmtpSink(quint16 port, QString dir) : m_port(port), m_dir(std::move(dir)) { }
    ~SmtpSink() { stop(); }

    bool start()
    {
        // Debian's interpreter: python3 on PATH may be another without the module.
        m_process.start(QStringLiteral("/usr/bin/python3"),
                        { QStringLiteral("-m"), QStringLiteral("aiosmtpd"), QStringLiteral("-n"),
                          QStringLiteral("-l"), QStringLiteral("127.0.0.1:%1").arg(m_port),
                          QStringLiteral("-c"), QStringLiteral("aiosmtpd.handlers.Mailbox"),
                          m_dir });
        if (!m_process.waitForStarted(5000))
            return false;
        return QTest::qWaitFor(
            [this] {
                QTcpSocket probe;
                probe.connectToHost(QHostAddress::LocalHost, m_port);
                return probe.waitForConnected(200);
            },
            10'000);
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }
    [[nodiscard]] QList<Mail> mails() const
    {
        QList<Mail> mails;
        const QDir inbox(m_dir + QStringLiteral("/new"));
        for (const QFileInfo &file :
             inbox.entryInfoList(QDir::Files, QDir::Time | QDir::Reversed)) {
            QFile f(file.filePath());
            if (!f.open(QIODevice::ReadOnly))
                continue;
            Mail mail;
            mail.raw = f.readAll();
            const qsizetype split = mail.raw.indexOf("\n\n");
            const QString headers = QString::fromUtf8(mail.raw.left(split));
            static const QRegularExpression rcpt(QStringLiteral("^X-RcptTo: (.*)$"),
                                                 QRegularExpression::MultilineOption);
            mail.to = rcpt.match(headers).captured(1).trimmed();
            static const QRegularExpression word(QStringLiteral("=\\?UTF-8\\?B\\?([^?]*)\\?="));
            const qsizetype subjectAt = headers.indexOf(QLatin1String("\nSubject: "));
            const QString subjectHeader = headers.mid(
                subjectAt,
                headers.indexOf(QRegularExpression(QStringLiteral("\n\\S")), subjectAt + 1)
                    - subjectAt);
            QByteArray subject;
            for (const auto &m : word.globalMatch(subjectHeader))
                subject += QByteArray::fromBase64(m.captured(1).toLatin1());
            mail.subject = QString::fromUtf8(subject);
            mail.body = QString::fromUtf8(QByteArray::fromBase64(mail.raw.mid(split + 2)))
                            .replace(QLatin1String("\r\n"), QLatin1String("\n"));
            mails.append(mail);
        }
        return mails;
    }

private:
    quint16 m_port;
    QString m_dir;
    QProcess m_process;
};

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

pb::Envelope setPrefs(const pb::NotificationPrefs &prefs)
{
    pb::Envelope e;
    *e.mutable_set_notification_prefs()->mutable_prefs() = prefs;
    return e;
}

pb::Envelope createGroup(const QString &title, const QList<quint64> &members)
{
    pb::Envelope e;
    const QByteArray uuid = QUuid::createUuid().toRfc4122();
    e.mutable_create_group()->set_client_id(uuid.constData(), size_t(uuid.size()));
    e.mutable_create_group()->set_title(title.toStdString());
    for (quint64 id : members)
        e.mutable_create_group()->add_member_ids(id);
    return e;
}

} // namespace

//! Email digests (PROTOCOL.md §15.3) from a real server core to a real SMTP server on
//! 127.0.0.1 (aiosmtpd, started here): who gets one and what it says, the interval, retries
//! while the SMTP server is down, and no duplicate after a restart (the durable outbox).
class TestDigest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void aUserAwayGetsOneDigestOfWhatIsHighPriority();
    void atMostOneAnIntervalAndNoneAgainAfterARestart();
    void aDownSmtpServerIsRetriedAndTheMailSentOnce();
    void previewsOnlyWhenTheAdminAllowsThem();
    void badAddressesAreRefused();

private:
    void startServer();
    std::unique_ptr<WireClient> client(const QString &name);
    //! Signs in, sets a digest address (or turns digests off), and leaves.
    quint64 awayWithDigests(const QString &name, bool digestsOn = true,
                            const QList<quint64> &mutedConversations = {});
    [[nodiscard]] bool waitForMails(int count, int timeoutMs = 15'000);
    //! Alice and Bob sign up; Bob sets digests on and leaves. Returns Alice (null on failure).
    std::unique_ptr<WireClient> aliceWithBobAway();

    std::unique_ptr<QTemporaryDir> m_dir;
    ServerConfig m_config;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<SmtpSink> m_sink;
};

void TestDigest::initTestCase()
{
    QVERIFY(Auth::initCrypto());
    QVERIFY2(QFile::exists(QStringLiteral("/usr/lib/python3/dist-packages/aiosmtpd")),
             "the SMTP sink needs Debian's python3-aiosmtpd");
}

void TestDigest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const quint16 smtpPort = freePort();
    QVERIFY(smtpPort != 0);
    m_sink = std::make_unique<SmtpSink>(smtpPort, m_dir->filePath(QStringLiteral("maildir")));
    m_config = ServerConfig();
    m_config.port = 0;
    m_config.dataDir = m_dir->filePath(QStringLiteral("data"));
    m_config.hashCost = Auth::HashCost::minimum();
    m_config.registrationsPerAddressPerHour = 0;
    m_config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    m_config.presenceGraceMs = 0; // away as soon as the last connection closes
    m_config.serverName = QStringLiteral("Confab Test");
    m_config.smtpUrl = QStringLiteral("smtp://127.0.0.1:%1").arg(smtpPort);
    m_config.mailFrom = QStringLiteral("confab@example.org");
    m_config.digestAfterMs = 300;
    m_config.digestIntervalMs = 600'000;
    m_config.digestSweepMs = 100;
    m_config.mailRetryMs = 200;
}

void TestDigest::startServer()
{
    m_server.reset();
    m_server = std::make_unique<Server>(m_config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
    QVERIFY(m_server->digests());
}

void TestDigest::cleanup()
{
    m_server.reset();
    m_sink.reset();
    m_dir.reset();
}

std::unique_ptr<WireClient> TestDigest::client(const QString &name)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(m_server->port(), name, true))
        return nullptr;
    return c;
}

quint64 TestDigest::awayWithDigests(const QString &name, bool digestsOn,
                                    const QList<quint64> &mutedConversations)
{
    WireClient c;
    if (!c.connectAs(m_server->port(), name, false))
        return 0;
    pb::NotificationPrefs prefs;
    prefs.set_digest_email(QStringLiteral("%1@example.org").arg(name).toStdString());
    prefs.set_no_email_digest(!digestsOn);
    prefs.set_do_not_disturb(true); // holds notifications back, not digests
    for (quint64 id : mutedConversations) {
        auto *mute = prefs.add_conversations();
        mute->set_conversation_id(id);
        mute->set_level(pb::NOTIFY_LEVEL_MUTED);
    }
    if (!c.request(setPrefs(prefs)).has_notification_prefs())
        return 0;
    c.close();
    if (!c.waitForDisconnected())
        return 0;
    return c.userId();
}

std::unique_ptr<WireClient> TestDigest::aliceWithBobAway()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    if (!alice || !bob)
        return nullptr;
    bob->close();
    if (!bob->waitForDisconnected() || !awayWithDigests(QStringLiteral("bob")))
        return nullptr;
    return alice;
}

bool TestDigest::waitForMails(int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return m_sink->mails().size() >= count; }, timeoutMs);
}

void TestDigest::aUserAwayGetsOneDigestOfWhatIsHighPriority()
{
    QVERIFY(m_sink->start());
    startServer();
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    auto erin = client(QStringLiteral("erin"));
    QVERIFY(alice && bob && carol && erin);
    const auto team = alice->request(
        createGroup(QStringLiteral("Team"), { bob->userId(), carol->userId(), erin->userId() }));
    const auto noisy = alice->request(createGroup(QStringLiteral("Noisy"), { bob->userId() }));
    QVERIFY(team.has_group_result() && noisy.has_group_result());
    const quint64 teamId = team.group_result().conversation().conversation_id();
    const quint64 noisyId = noisy.group_result().conversation().conversation_id();
    bob->close();
    carol->close();
    QVERIFY(bob->waitForDisconnected() && carol->waitForDisconnected());
    // Bob wants digests and mutes Noisy; Carol turned them off; Erin stays online.
    QVERIFY(awayWithDigests(QStringLiteral("bob"), true, { noisyId }));
    QVERIFY(awayWithDigests(QStringLiteral("carol"), false));
    pb::NotificationPrefs erinPrefs;
    erinPrefs.set_digest_email("erin@example.org");
    QVERIFY(erin->request(setPrefs(erinPrefs)).has_notification_prefs());

    for (const char *text : { "psst", "are you there?" })
        QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), text)).has_message_ack());
    pb::Envelope naming = WireClient::sendIn(teamId, "@bob the secret plan");
    naming.mutable_send_message()->add_mention_user_ids(bob->userId());
    QVERIFY(alice->request(naming).has_message_ack());
    QVERIFY(alice->request(WireClient::sendIn(teamId, "lunch?")).has_message_ack()); // normal
    for (int i = 0; i < 3; ++i)
        QVERIFY(alice->request(WireClient::sendIn(noisyId, "spam")).has_message_ack()); // muted
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("carol"), "hi")).has_message_ack());
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("erin"), "hi")).has_message_ack());

    QVERIFY(waitForMails(1));
    QTest::qWait(1000); // ten sweeps: nobody gets another, nobody else gets one
    const QList<Mail> mails = m_sink->mails();
    QCOMPARE(mails.size(), 1);
    const Mail &mail = mails.first();
    QCOMPARE(mail.to, QStringLiteral("bob@example.org"));
    QCOMPARE(mail.subject, QStringLiteral("3 unread messages from alice on Confab Test"));
    QVERIFY2(mail.body.contains(QLatin1String("  alice: 2 messages\n")), qPrintable(mail.body));
    QVERIFY2(mail.body.contains(QLatin1String("  alice in \"Team\": 1 message naming or answering "
                                              "you\n")),
             qPrintable(mail.body));
    // Counts and senders only: no text, nothing of the muted group.
    for (const char *secret : { "psst", "secret plan", "lunch", "spam", "Noisy" })
        QVERIFY2(!mail.body.contains(QLatin1String(secret)), secret);
    QVERIFY(mail.raw.contains("Message-ID: <confab-digest-"));
    QVERIFY(mail.raw.contains("Auto-Submitted: auto-generated"));
    QCOMPARE(m_server->digests()->sent(), 1u);
    QCOMPARE(m_server->digests()->failures(), 0u);
}

void TestDigest::atMostOneAnIntervalAndNoneAgainAfterARestart()
{
    m_config.digestIntervalMs = 2000;
    QVERIFY(m_sink->start());
    startServer();
    auto alice = aliceWithBobAway();
    QVERIFY(alice);
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "one")).has_message_ack());
    QVERIFY(waitForMails(1));
    QElapsedTimer sinceFirst;
    sinceFirst.start();
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "two")).has_message_ack());
    QVERIFY(waitForMails(2));
    // Not before the interval, and only what came since the first.
    QVERIFY2(sinceFirst.elapsed() >= 2000 - 150, qPrintable(QString::number(sinceFirst.elapsed())));
    QCOMPARE(m_sink->mails().at(1).subject,
             QStringLiteral("1 unread message from alice on Confab Test"));

    // A restart resends nothing, however many sweeps and intervals pass.
    startServer();
    QTest::qWait(2 * 2000 + 500);
    QCOMPARE(m_sink->mails().size(), 2);
    QCOMPARE(m_server->digests()->sent(), 0u);
}

void TestDigest::aDownSmtpServerIsRetriedAndTheMailSentOnce()
{
    startServer(); // the SMTP server is not there yet
    auto alice = aliceWithBobAway();
    QVERIFY(alice);
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "hello?")).has_message_ack());
    // Refused, then tried again after 200 ms, 400 ms, ... (a doubling back-off).
    QTRY_VERIFY_WITH_TIMEOUT(m_server->digests()->failures() >= 2, 15'000);
    QCOMPARE(m_server->digests()->sent(), 0u);
    // Still queued through a restart; sent once the SMTP server is up.
    startServer();
    QTRY_VERIFY_WITH_TIMEOUT(m_server->digests()->failures() >= 1, 15'000);
    QVERIFY(m_sink->start());
    QVERIFY(waitForMails(1, 20'000));
    QTest::qWait(1000);
    QCOMPARE(m_sink->mails().size(), 1);
    QCOMPARE(m_sink->mails().first().subject,
             QStringLiteral("1 unread message from alice on Confab Test"));
    QCOMPARE(m_server->digests()->sent(), 1u);
}

void TestDigest::previewsOnlyWhenTheAdminAllowsThem()
{
    m_config.digestPreviews = true;
    QVERIFY(m_sink->start());
    startServer();
    auto alice = aliceWithBobAway();
    QVERIFY(alice);
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), "Grüße, 你好 🙂"))
                .has_message_ack());
    QVERIFY(waitForMails(1));
    QVERIFY2(m_sink->mails().first().body.contains(QStringLiteral("alice: Grüße, 你好 🙂")),
             qPrintable(m_sink->mails().first().body));
}

void TestDigest::badAddressesAreRefused()
{
    startServer();
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(bob);
    for (const char *bad : { "bob@example.org\r\nBcc: eve@example.org", "<bob@example.org>", "bob",
                             "bob@localhost", "bob @example.org", "a@b@example.org" }) {
        pb::NotificationPrefs prefs;
        prefs.set_digest_email(bad);
        const auto refused = bob->request(setPrefs(prefs));
        QVERIFY2(refused.has_error(), bad);
        QCOMPARE(refused.error().code(), pb::INVALID_ARGUMENT);
    }
    pb::NotificationPrefs tooLong;
    tooLong.set_digest_email(std::string(300, 'a') + "@example.org");
    QCOMPARE(bob->request(setPrefs(tooLong)).error().code(), pb::FIELD_TOO_LONG);
    // And an admin's bad sender or URL stops the server at start, saying why.
    ServerConfig bad = m_config;
    bad.mailFrom = QStringLiteral("not an address");
    QVERIFY(!bad.validate());
    bad = m_config;
    bad.smtpUrl = QStringLiteral("http://127.0.0.1:25");
    QVERIFY(!bad.validate());
}

CONFAB_EPOLL_TEST_MAIN(TestDigest)
#include "tst_digest.moc"
