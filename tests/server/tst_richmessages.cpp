#include "app/server.h"
#include "epolltestmain.h"
#include "store/sqlitestore.h"
#include "wireclient.h"

#include <confab/codec.h>
#include <confab/ids.h>
#include <confab/limits.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Confab;

namespace {

pb::Envelope change(quint64 conversationId, quint64 messageId, pb::MessageChange::Kind kind,
                    const std::string &value = {}, const QUuid &clientId = QUuid::createUuid())
{
    pb::Envelope e;
    auto *c = e.mutable_change_message();
    c->set_client_id(uuidToWire(clientId));
    c->set_conversation_id(conversationId);
    c->set_message_id(messageId);
    c->set_kind(kind);
    if (kind == pb::MessageChange::EDITED)
        c->set_text(value);
    else
        c->set_emoji(value);
    return e;
}

pb::Envelope history(quint64 conversationId)
{
    pb::Envelope e;
    e.mutable_history_request()->set_conversation_id(conversationId);
    return e;
}

const pb::Message *find(const pb::HistoryPage &page, quint64 messageId)
{
    for (const auto &message : page.messages())
        if (message.message_id() == messageId)
            return &message;
    return nullptr;
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

//! Edits, deletes, reactions, replies and mentions (PROTOCOL.md §13) against a real server core
//! on 127.0.0.1, over real WebSockets.
class TestRichMessages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void changesAreStreamEntriesThatEveryDeviceApplies();
    void whoMayChangeWhat_data();
    void whoMayChangeWhat();
    void aRepeatedChangeIsStoredOnce();
    void deletedTextIsGoneFromTheDatabaseFiles();
    void repliesAndMentionsAreChecked();
    void reactionsAreBoundedPerMessage();

private:
    std::unique_ptr<WireClient> client(const QString &name);
    //! alice's message to bob: its ack (conversation, id, seq).
    pb::MessageAck sendTo(WireClient &from, const QString &to, const QString &text);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
};

void TestRichMessages::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestRichMessages::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0;
    config.registrationsPerAddressPerHour = 0;
    config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    m_server = std::make_unique<Server>(config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

void TestRichMessages::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

std::unique_ptr<WireClient> TestRichMessages::client(const QString &name)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(m_server->port(), name))
        return nullptr;
    return c;
}

pb::MessageAck TestRichMessages::sendTo(WireClient &from, const QString &to, const QString &text)
{
    const auto reply = from.request(WireClient::sendTo(to, text));
    return reply.message_ack();
}

void TestRichMessages::changesAreStreamEntriesThatEveryDeviceApplies()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const pb::MessageAck sent = sendTo(*alice, QStringLiteral("bob"), QStringLiteral("helo"));
    QVERIFY(sent.seq() == 1);
    const quint64 conversation = sent.conversation_id();
    QVERIFY(bob->waitForEvents(1));
    bob->clearEvents();

    // An edit: acked as an entry with its own seq, pushed to bob as a MessageEvent.
    const auto edited =
        alice->request(change(conversation, sent.message_id(), pb::MessageChange::EDITED, "hello"));
    QVERIFY2(edited.has_message_ack(), edited.DebugString().c_str());
    QCOMPARE(edited.message_ack().seq(), 2u);
    QVERIFY(bob->waitForEvents(1));
    const pb::Message entry = bob->events().at(0).message_event().message();
    QCOMPARE(entry.seq(), 2u);
    QCOMPARE(entry.sender_id(), alice->userId());
    QCOMPARE(entry.change().kind(), pb::MessageChange::EDITED);
    QCOMPARE(entry.change().target_message_id(), sent.message_id());
    QCOMPARE(entry.change().target_seq(), 1u);
    QCOMPARE(entry.text(), std::string("hello"));

    // Reactions from both; bob takes one back.
    QVERIFY(bob->request(
                   change(conversation, sent.message_id(), pb::MessageChange::REACTION_ADDED, "👍"))
                .has_message_ack());
    QVERIFY(alice
                ->request(
                    change(conversation, sent.message_id(), pb::MessageChange::REACTION_ADDED, "👍"))
                .has_message_ack());
    QVERIFY(bob->request(
                   change(conversation, sent.message_id(), pb::MessageChange::REACTION_ADDED, "😂"))
                .has_message_ack());
    QVERIFY(bob->request(change(conversation, sent.message_id(),
                                pb::MessageChange::REACTION_REMOVED, "😂"))
                .has_message_ack());

    // The target as history serves it: the current state, and the entries after it.
    auto page = bob->request(history(conversation)).history_page();
    QCOMPARE(page.messages_size(), 6);
    for (int i = 0; i < page.messages_size(); ++i)
        QCOMPARE(page.messages(i).seq(), quint64(i + 1));
    const pb::Message *target = find(page, sent.message_id());
    QVERIFY(target);
    QCOMPARE(target->text(), std::string("hello"));
    QVERIFY(target->edited_ms() >= sent.server_time_ms());
    QCOMPARE(target->changed_seq(), 6u);
    QCOMPARE(target->reactions_size(), 1);
    QCOMPARE(target->reactions(0).emoji(), std::string("👍"));
    QCOMPARE(target->reactions(0).user_ids_size(), 2);
    QCOMPARE(target->reactions(0).user_ids(0), bob->userId());
    QCOMPARE(target->reactions(0).user_ids(1), alice->userId());

    // A change is not unread, and is not the conversation's last message.
    pb::Envelope list;
    list.mutable_list_conversations();
    const auto conversations = bob->request(list).conversation_list();
    QCOMPARE(conversations.conversations_size(), 1);
    QCOMPARE(conversations.conversations(0).unread_count(), 1u);
    QCOMPARE(conversations.conversations(0).last_message().message_id(), sent.message_id());
    QCOMPARE(conversations.conversations(0).last_seq(), 6u);

    // A delete: a tombstone without text, edits or reactions; the edit entry's text is gone.
    bob->clearEvents();
    QVERIFY(alice->request(change(conversation, sent.message_id(), pb::MessageChange::DELETED))
                .has_message_ack());
    QVERIFY(bob->waitForEvents(1));
    QCOMPARE(bob->events().at(0).message_event().message().change().kind(),
             pb::MessageChange::DELETED);
    page = bob->request(history(conversation)).history_page();
    target = find(page, sent.message_id());
    QVERIFY(target);
    QVERIFY(target->deleted());
    QVERIFY(target->text().empty());
    QCOMPARE(target->reactions_size(), 0);
    QCOMPARE(target->changed_seq(), 7u);
    QCOMPARE(page.messages(1).change().kind(), pb::MessageChange::EDITED);
    QVERIFY(page.messages(1).text().empty());
    QCOMPARE(bob->request(list).conversation_list().conversations(0).unread_count(), 0u);

    // A device that syncs from nothing gets the same: every entry in order, the final state.
    pb::Envelope sync;
    sync.mutable_sync_request();
    const auto synced = alice->request(sync).sync_page();
    QCOMPARE(synced.messages_size(), 7);
    QVERIFY(synced.messages(0).deleted());
    QCOMPARE(synced.messages(6).change().kind(), pb::MessageChange::DELETED);

    // The store's own check agrees: seqs stay gapless with entries among them.
    m_server.reset();
    Store::SqliteStore store(m_dir->path(), 1000);
    QVERIFY(store.open().isOk());
    const auto report = store.check();
    QVERIFY(report.isOk());
    QVERIFY2(report.value().problems.isEmpty(), qPrintable(report.value().problems.join(u'\n')));
}

void TestRichMessages::whoMayChangeWhat_data()
{
    QTest::addColumn<QString>("actor"); // alice (sender), bob (member), admin, eve (outsider)
    QTest::addColumn<QString>("target"); // alice's, admins's, event, deleted, direct, unknown
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("value");
    QTest::addColumn<int>("expected"); // pb::ErrorCode, 0 = accepted

    const int edit = pb::MessageChange::EDITED;
    const int del = pb::MessageChange::DELETED;
    const int react = pb::MessageChange::REACTION_ADDED;
    const QString text = QStringLiteral("new text");
    const QString thumbs = QStringLiteral("👍");
    QTest::newRow("sender edits") << "alice"
                                  << "alice's" << edit << text << 0;
    QTest::newRow("member edits another's") << "bob"
                                            << "alice's" << edit << text << int(pb::FORBIDDEN);
    QTest::newRow("admin edits another's") << "admin"
                                           << "alice's" << edit << text << int(pb::FORBIDDEN);
    QTest::newRow("empty edit") << "alice"
                                << "alice's" << edit << QString() << int(pb::INVALID_ARGUMENT);
    QTest::newRow("sender deletes") << "alice"
                                    << "alice's" << del << QString() << 0;
    QTest::newRow("admin deletes a member's") << "admin"
                                              << "alice's" << del << QString() << 0;
    QTest::newRow("member deletes another's")
        << "bob"
        << "alice's" << del << QString() << int(pb::FORBIDDEN);
    QTest::newRow("member deletes the admin's")
        << "alice"
        << "admin's" << del << QString() << int(pb::FORBIDDEN);
    QTest::newRow("peer deletes in a direct chat")
        << "bob"
        << "direct" << del << QString() << int(pb::FORBIDDEN);
    QTest::newRow("member reacts") << "bob"
                                   << "alice's" << react << thumbs << 0;
    QTest::newRow("outsider reacts") << "eve"
                                     << "alice's" << react << thumbs << int(pb::NOT_FOUND);
    QTest::newRow("outsider deletes") << "eve"
                                      << "alice's" << del << QString() << int(pb::NOT_FOUND);
    QTest::newRow("text as a reaction") << "bob"
                                        << "alice's" << react << "lol" << int(pb::INVALID_ARGUMENT);
    QTest::newRow("two emoji with a space")
        << "bob"
        << "alice's" << react << "👍 👍" << int(pb::INVALID_ARGUMENT);
    QTest::newRow("group event") << "admin"
                                 << "event" << del << QString() << int(pb::INVALID_ARGUMENT);
    QTest::newRow("edit a deleted one") << "alice"
                                        << "deleted" << edit << text << int(pb::MESSAGE_DELETED);
    QTest::newRow("react to a deleted one")
        << "bob"
        << "deleted" << react << thumbs << int(pb::MESSAGE_DELETED);
    QTest::newRow("unknown message") << "alice"
                                     << "unknown" << edit << text << int(pb::NOT_FOUND);
    QTest::newRow("another conversation's message")
        << "alice"
        << "direct-in-group" << edit << text << int(pb::NOT_FOUND);
}

void TestRichMessages::whoMayChangeWhat()
{
    QFETCH(QString, actor);
    QFETCH(QString, target);
    QFETCH(int, kind);
    QFETCH(QString, value);
    QFETCH(int, expected);

    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto admin = client(QStringLiteral("admin"));
    auto eve = client(QStringLiteral("eve"));
    QVERIFY(alice && bob && admin && eve);
    // admin owns a group of alice and bob; alice and bob also have a direct chat.
    pb::Envelope create;
    create.mutable_create_group()->set_client_id(uuidToWire(QUuid::createUuid()));
    create.mutable_create_group()->set_title("team");
    create.mutable_create_group()->add_member_ids(alice->userId());
    create.mutable_create_group()->add_member_ids(bob->userId());
    const auto created = admin->request(create).group_result();
    const quint64 group = created.conversation().conversation_id();
    QVERIFY(group != 0);
    const quint64 eventId = created.event().message_id();
    const auto alices = alice->request(WireClient::sendIn(group, QStringLiteral("mine")));
    const auto admins = admin->request(WireClient::sendIn(group, QStringLiteral("the rules")));
    const auto deleted = alice->request(WireClient::sendIn(group, QStringLiteral("oops")));
    QVERIFY(alices.has_message_ack() && admins.has_message_ack() && deleted.has_message_ack());
    QVERIFY(
        alice
            ->request(change(group, deleted.message_ack().message_id(), pb::MessageChange::DELETED))
            .has_message_ack());
    const pb::MessageAck direct = sendTo(*alice, QStringLiteral("bob"), QStringLiteral("hi bob"));
    QVERIFY(direct.message_id() != 0);

    quint64 conversation = group;
    quint64 messageId = 0;
    if (target == QLatin1String("alice's")) {
        messageId = alices.message_ack().message_id();
    } else if (target == QLatin1String("admin's")) {
        messageId = admins.message_ack().message_id();
    } else if (target == QLatin1String("event")) {
        messageId = eventId;
    } else if (target == QLatin1String("deleted")) {
        messageId = deleted.message_ack().message_id();
    } else if (target == QLatin1String("direct")) {
        conversation = direct.conversation_id();
        messageId = direct.message_id();
    } else if (target == QLatin1String("direct-in-group")) {
        messageId = direct.message_id(); // named with the group: not there
    } else {
        messageId = 123456789;
    }
    WireClient *who = actor == QLatin1String("alice") ? alice.get()
        : actor == QLatin1String("bob")               ? bob.get()
        : actor == QLatin1String("admin")             ? admin.get()
                                                      : eve.get();
    const auto reply = who->request(
        change(conversation, messageId, pb::MessageChange::Kind(kind), value.toStdString()));
    if (expected == 0) {
        QVERIFY2(reply.has_message_ack(), reply.DebugString().c_str());
    } else {
        QVERIFY2(reply.has_error(), reply.DebugString().c_str());
        QCOMPARE(errorCodeName(reply.error().code()), errorCodeName(ErrorCode(expected)));
        QVERIFY(!reply.error().message().empty());
    }
    // Whatever was refused left nothing behind: the stream has only the accepted entries.
    const auto page = admin->request(history(group)).history_page();
    const bool groupChange = expected == 0 && conversation == group;
    QCOMPARE(page.messages_size(), 5 + (groupChange ? 1 : 0));
}

void TestRichMessages::aRepeatedChangeIsStoredOnce()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const pb::MessageAck sent = sendTo(*alice, QStringLiteral("bob"), QStringLiteral("typo"));
    const QUuid clientId = QUuid::createUuid();
    const auto first = alice->request(change(sent.conversation_id(), sent.message_id(),
                                             pb::MessageChange::EDITED, "typo fixed", clientId));
    const auto again = alice->request(change(sent.conversation_id(), sent.message_id(),
                                             pb::MessageChange::EDITED, "typo fixed", clientId));
    QVERIFY(first.has_message_ack() && again.has_message_ack());
    QCOMPARE(again.message_ack().message_id(), first.message_ack().message_id());
    QCOMPARE(again.message_ack().seq(), first.message_ack().seq());
    QCOMPARE(bob->request(history(sent.conversation_id())).history_page().messages_size(), 2);
}

void TestRichMessages::deletedTextIsGoneFromTheDatabaseFiles()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const QByteArray secret = "zebra-4711-password-for-the-vault";
    const QByteArray edited = "zebra-4712-second-secret";
    const pb::MessageAck sent = sendTo(*alice, QStringLiteral("bob"), QString::fromUtf8(secret));
    QVERIFY(alice
                ->request(change(sent.conversation_id(), sent.message_id(),
                                 pb::MessageChange::EDITED, edited.toStdString()))
                .has_message_ack());
    // Other messages around it stay, and fill the pages it shares.
    for (int i = 0; i < 50; ++i)
        QVERIFY(bob->request(WireClient::sendTo(QStringLiteral("alice"),
                                                QStringLiteral("filler %1").arg(i)))
                    .has_message_ack());
    const QString db = Store::SqliteStore::databasePath(m_dir->path());
    auto holds = [&db](const QByteArray &text) {
        return fileBytes(db).contains(text)
            || fileBytes(db + QStringLiteral("-wal")).contains(text);
    };
    // Before: the texts are on disk (else this test could not fail).
    QVERIFY(holds(secret));
    QVERIFY(holds(edited));

    QVERIFY(
        alice
            ->request(change(sent.conversation_id(), sent.message_id(), pb::MessageChange::DELETED))
            .has_message_ack());
    // The log is emptied off the commit path, soon after the delete commits.
    QVERIFY2(QTest::qWaitFor([&] { return !holds(secret) && !holds(edited); }, 10'000),
             "deleted text is still in the database files");
    // Nothing else was lost.
    const auto page = bob->request(history(sent.conversation_id())).history_page();
    QCOMPARE(page.messages_size(), 53);
    QCOMPARE(page.messages(51).text(), std::string("filler 49"));
    QVERIFY(holds("filler 49"));
}

void TestRichMessages::repliesAndMentionsAreChecked()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const pb::MessageAck first = sendTo(*alice, QStringLiteral("bob"), QStringLiteral("lunch?"));
    const pb::MessageAck other = sendTo(*alice, QStringLiteral("carol"), QStringLiteral("hey"));

    pb::Envelope reply = WireClient::sendIn(first.conversation_id(), QStringLiteral("@alice yes"));
    reply.mutable_send_message()->set_reply_to_message_id(first.message_id());
    reply.mutable_send_message()->add_mention_user_ids(alice->userId());
    reply.mutable_send_message()->add_mention_user_ids(carol->userId()); // not a member: dropped
    alice->clearEvents();
    QVERIFY(bob->request(reply).has_message_ack());
    QVERIFY(alice->waitForEvents(1));
    const pb::Message got = alice->events().at(0).message_event().message();
    QCOMPARE(got.reply_to_message_id(), first.message_id());
    QCOMPARE(got.reply_to_seq(), first.seq());
    QCOMPARE(got.mention_user_ids_size(), 1);
    QCOMPARE(got.mention_user_ids(0), alice->userId());
    const auto page = alice->request(history(first.conversation_id())).history_page();
    QCOMPARE(page.messages(1).reply_to_message_id(), first.message_id());
    QCOMPARE(page.messages(1).mention_user_ids_size(), 1);

    // A reply to a message of another conversation is refused.
    pb::Envelope stray = WireClient::sendIn(first.conversation_id(), QStringLiteral("?"));
    stray.mutable_send_message()->set_reply_to_message_id(other.message_id());
    QCOMPARE(bob->request(stray).error().code(), pb::NOT_FOUND);
}

void TestRichMessages::reactionsAreBoundedPerMessage()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const pb::MessageAck sent = sendTo(*alice, QStringLiteral("bob"), QStringLiteral("vote"));
    auto emoji = [](int i) {
        const char32_t codePoint = char32_t(0x1F600 + i);
        return QString::fromUcs4(&codePoint, 1).toStdString();
    };
    for (int i = 0; i < kMaxReactionKinds; ++i)
        QVERIFY(bob->request(change(sent.conversation_id(), sent.message_id(),
                                    pb::MessageChange::REACTION_ADDED, emoji(i)))
                    .has_message_ack());
    const auto over =
        bob->request(change(sent.conversation_id(), sent.message_id(),
                            pb::MessageChange::REACTION_ADDED, emoji(kMaxReactionKinds)));
    QCOMPARE(over.error().code(), pb::INVALID_ARGUMENT);
    // One more of a kind already there is fine.
    QVERIFY(alice
                ->request(change(sent.conversation_id(), sent.message_id(),
                                 pb::MessageChange::REACTION_ADDED, emoji(0)))
                .has_message_ack());
    const auto page = alice->request(history(sent.conversation_id())).history_page();
    QCOMPARE(page.messages(0).reactions_size(), kMaxReactionKinds);
    QCOMPARE(page.messages(0).reactions(0).user_ids_size(), 2);
}

CONFAB_EPOLL_TEST_MAIN(TestRichMessages)
#include "tst_richmessages.moc"
