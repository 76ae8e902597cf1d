#include "app/server.h"
#include "chatclient.h"
#include "localcache.h"
#include "messagelistmodel.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;
using namespace Confab::Client;

//! Edits, deletes, reactions, replies and mentions through the client core: real server core on
//! 127.0.0.1, real sockets, real SQLite caches on several devices.
class TestRichClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void changesConvergeOnEveryDeviceAndSurviveARebuild();
    void changesMadeOfflineWaitInTheOutbox();
    void aRefusedChangeIsUndone();
    void repliesQuoteAndMentionsAreSent();

private:
    std::unique_ptr<ChatClient> signedIn(const QString &name, const QString &device = {});
    //! The message with this server id as the client holds it now.
    static ChatMessage held(ChatClient &client, quint64 messageId);
    //! Sends and waits for the ack; the message as sent.
    static ChatMessage sent(ChatClient &client, quint64 conversationId, const QString &text,
                            const ChatMessage &replyTo = {});
    static ChatMessage firstTo(ChatClient &client, const QString &peer, const QString &text);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestRichClient::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestRichClient::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0;
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

void TestRichClient::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<ChatClient> TestRichClient::signedIn(const QString &name, const QString &device)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name + device));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_server->port())));
    client->setBackoff(20, 200);
    if (device.isEmpty())
        client->registerAccount(name, QStringLiteral("password123"), name.toUpper());
    else
        client->signIn(name, QStringLiteral("password123"));
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

ChatMessage TestRichClient::held(ChatClient &client, quint64 messageId)
{
    auto found = client.cache()->messageById(messageId);
    return found ? found.value() : ChatMessage {};
}

ChatMessage TestRichClient::sent(ChatClient &client, quint64 conversationId, const QString &text,
                                 const ChatMessage &replyTo)
{
    auto pending = client.sendMessage(conversationId, text, replyTo);
    if (!pending)
        return {};
    ChatMessage now;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            auto m = client.cache()->message(pending.value().clientId);
            now = m ? m.value() : ChatMessage {};
            return now.messageId != 0;
        },
        10'000));
    return now;
}

ChatMessage TestRichClient::firstTo(ChatClient &client, const QString &peer, const QString &text)
{
    auto pending = client.sendMessageTo(peer, text);
    if (!pending)
        return {};
    ChatMessage now;
    static_cast<void>(QTest::qWaitFor(
        [&] {
            auto m = client.cache()->message(pending.value().clientId);
            now = m ? m.value() : ChatMessage {};
            return now.messageId != 0;
        },
        10'000));
    return now;
}

void TestRichClient::changesConvergeOnEveryDeviceAndSurviveARebuild()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    auto bobLaptop = signedIn(QStringLiteral("bob"), QStringLiteral("-laptop"));
    QVERIFY(alice && bob && bobLaptop);
    const ChatMessage plan = firstTo(*alice, QStringLiteral("bob"), QStringLiteral("meet at 5"));
    QVERIFY(plan.messageId != 0);
    const quint64 conversation = plan.conversationId;
    const ChatMessage secret = sent(*alice, conversation, QStringLiteral("the zebra code is 4711"));
    QVERIFY(secret.messageId != 0);
    QVERIFY(
        QTest::qWaitFor([&] { return held(*bobLaptop, secret.messageId).messageId != 0; }, 10'000));
    MessageListModel bobsView(bob.get(), conversation);
    QCOMPARE(bobsView.rowCount(), 2);

    // Reacting shows at once on the device that did it, before the server answers.
    QVERIFY(bob->react(held(*bob, plan.messageId), QStringLiteral("👍")));
    QVERIFY(held(*bob, plan.messageId).reactedBy(QStringLiteral("👍"), bob->currentUser().userId));
    QVERIFY(alice->editMessage(held(*alice, plan.messageId), QStringLiteral("meet at 6")));
    QVERIFY(alice->deleteMessage(held(*alice, secret.messageId)));
    QVERIFY(alice->react(held(*alice, plan.messageId), QStringLiteral("🎉")));
    QVERIFY(alice->react(held(*alice, plan.messageId), QStringLiteral("🎉"), false));

    auto converged = [&](ChatClient &client) {
        const ChatMessage p = held(client, plan.messageId);
        const ChatMessage s = held(client, secret.messageId);
        return p.text == QLatin1String("meet at 6") && p.editedMs != 0 && p.reactions.size() == 1
            && p.reactions.at(0).emoji == QStringLiteral("👍")
            && p.reactions.at(0).userIds == QList<quint64> { bob->currentUser().userId }
        && s.deleted && s.text.isEmpty() && s.reactions.isEmpty();
    };
    for (ChatClient *client : { alice.get(), bob.get(), bobLaptop.get() }) {
        if (!QTest::qWaitFor([&] { return converged(*client); }, 10'000)) {
            const ChatMessage p = held(*client, plan.messageId);
            const ChatMessage s = held(*client, secret.messageId);
            qWarning() << p.text << p.editedMs << p.reactions.size() << s.deleted << s.text;
            for (const auto &r : p.reactions)
                qWarning() << r.emoji << r.userIds;
        }
        QVERIFY2(converged(*client), qPrintable(client->currentUser().username));
    }

    // The deleted text is gone from every cache's search, and from the rows that held it.
    for (ChatClient *client : { alice.get(), bob.get(), bobLaptop.get() }) {
        QVERIFY(client->search(QStringLiteral("zebra")).value().isEmpty());
        QCOMPARE(client->search(QStringLiteral("meet")).value().size(), 1);
        QVERIFY(client->cache()->search(QStringLiteral("5"), 10).value().isEmpty());
    }
    // Entries are held (the cursor is gapless) but are not rows of the view.
    QCOMPARE(bobsView.rowCount(), 2);
    const int planRow = bobsView.rowOfMessageId(plan.messageId);
    QVERIFY(planRow >= 0);
    QVERIFY(bobsView.index(planRow).data(MessageListModel::EditedRole).toBool());
    const QVariantList reactions =
        bobsView.index(planRow).data(MessageListModel::ReactionsRole).toList();
    QCOMPARE(reactions.size(), 1);
    QCOMPARE(reactions.at(0).toMap().value(QStringLiteral("count")).toInt(), 1);
    QVERIFY(reactions.at(0).toMap().value(QStringLiteral("mine")).toBool());
    QVERIFY(bobsView.index(bobsView.rowOfMessageId(secret.messageId))
                .data(MessageListModel::DeletedRole)
                .toBool());
    QCOMPARE(bob->cache()->cursors().value(conversation), 7u);
    // Unread counts only messages: bob has two from alice, and read none.
    QCOMPARE(bob->cache()->conversation(conversation).value().unreadCount, 1u);

    // A cache built afresh from the server (a new device) holds the same.
    auto bobFresh = signedIn(QStringLiteral("bob"), QStringLiteral("-fresh"));
    QVERIFY(bobFresh);
    QVERIFY(QTest::qWaitFor([&] { return converged(*bobFresh); }, 10'000));
    QVERIFY(bobFresh->search(QStringLiteral("zebra")).value().isEmpty());
}

void TestRichClient::changesMadeOfflineWaitInTheOutbox()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const ChatMessage mine = firstTo(*bob, QStringLiteral("alice"), QStringLiteral("helo"));
    QVERIFY(mine.messageId != 0);
    QVERIFY(QTest::qWaitFor([&] { return held(*alice, mine.messageId).messageId != 0; }, 10'000));

    bob->disconnectFromServer();
    QVERIFY(bob->editMessage(held(*bob, mine.messageId), QStringLiteral("hello")));
    QVERIFY(bob->react(held(*bob, mine.messageId), QStringLiteral("👋")));
    QCOMPARE(held(*bob, mine.messageId).text, QStringLiteral("hello")); // shown at once
    QCOMPARE(bob->cache()->outbox().value().size(), 2);
    QTest::qWait(100);
    QCOMPARE(held(*alice, mine.messageId).text, QStringLiteral("helo"));

    bob->reconnectNow();
    bob->signIn(QStringLiteral("bob"), QStringLiteral("password123"));
    QVERIFY(QTest::qWaitFor(
        [&] {
            const ChatMessage m = held(*alice, mine.messageId);
            return m.text == QLatin1String("hello") && m.reactions.size() == 1;
        },
        10'000));
    QVERIFY(QTest::qWaitFor([&] { return bob->cache()->outbox().value().isEmpty(); }, 10'000));
    QCOMPARE(held(*bob, mine.messageId).text, QStringLiteral("hello"));
}

void TestRichClient::aRefusedChangeIsUndone()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const ChatMessage hers = firstTo(*alice, QStringLiteral("bob"), QStringLiteral("vote now"));
    QVERIFY(QTest::qWaitFor([&] { return held(*bob, hers.messageId).messageId != 0; }, 10'000));

    // bob reacts offline to a message alice deletes meanwhile: the server refuses it.
    bob->disconnectFromServer();
    QVERIFY(bob->react(held(*bob, hers.messageId), QStringLiteral("✅")));
    QCOMPARE(held(*bob, hers.messageId).reactions.size(), 1);
    QVERIFY(alice->deleteMessage(held(*alice, hers.messageId)));
    QVERIFY(QTest::qWaitFor([&] { return alice->cache()->outbox().value().isEmpty(); }, 10'000));

    QSignalSpy failed(bob.get(), &ChatClient::messageChangeFailed);
    bob->signIn(QStringLiteral("bob"), QStringLiteral("password123"));
    QVERIFY(failed.wait(10'000));
    QCOMPARE(failed.at(0).at(0).value<Error>().code, ErrorCode::MESSAGE_DELETED);
    QVERIFY(QTest::qWaitFor(
        [&] {
            const ChatMessage m = held(*bob, hers.messageId);
            return m.deleted && m.reactions.isEmpty();
        },
        10'000));
    QVERIFY(bob->cache()->outbox().value().isEmpty());
    // And what only the sender may do is refused before anything is queued.
    QVERIFY(!bob->editMessage(held(*bob, hers.messageId), QStringLiteral("mine now")));
}

void TestRichClient::repliesQuoteAndMentionsAreSent()
{
    auto alice = signedIn(QStringLiteral("alice"));
    auto bob = signedIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const ChatMessage question = firstTo(*alice, QStringLiteral("bob"), QStringLiteral("lunch?"));
    // Mentions are found among the members the cache knows (they come with the conversation).
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto conversation = bob->cache()->conversation(question.conversationId);
            return conversation && conversation.value().members.size() == 2;
        },
        10'000));
    const ChatMessage answer =
        sent(*bob, question.conversationId, QStringLiteral("@alice yes, at noon"),
             held(*bob, question.messageId));
    QVERIFY(answer.messageId != 0);
    QVERIFY(QTest::qWaitFor([&] { return held(*alice, answer.messageId).messageId != 0; }, 10'000));
    const ChatMessage got = held(*alice, answer.messageId);
    QCOMPARE(got.replyToId, question.messageId);
    QCOMPARE(got.replyToSeq, question.seq);
    QCOMPARE(got.mentions, QList<quint64> { alice->currentUser().userId });

    MessageListModel view(alice.get(), question.conversationId);
    const QModelIndex row = view.index(view.rowOfMessageId(answer.messageId));
    QCOMPARE(row.data(MessageListModel::ReplyToIdRole).toULongLong(), question.messageId);
    QCOMPARE(row.data(MessageListModel::ReplyPreviewRole).toString(),
             QStringLiteral("ALICE: lunch?"));
    QVERIFY(row.data(MessageListModel::MentionsMeRole).toBool());
    // The quote follows the original: edited, then deleted.
    QVERIFY(alice->editMessage(held(*alice, question.messageId), QStringLiteral("lunch today?")));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return view.index(view.rowOfMessageId(answer.messageId))
                       .data(MessageListModel::ReplyPreviewRole)
                       .toString()
                == QLatin1String("ALICE: lunch today?");
        },
        10'000));
}

QTEST_GUILESS_MAIN(TestRichClient)
#include "tst_richclient.moc"
