#include "app/server.h"
#include "epolltestmain.h"
#include "presence/presencetracker.h"
#include "wireclient.h"

#include <confab/codec.h>

#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace Confab;

//! Groups, presence, typing and receipts against a real server core on 127.0.0.1, spoken to
//! over real WebSockets by the protocol-level WireClient.
class TestGroups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void createIsIdempotentAndEveryoneHearsOfIt();
    void permissionMatrix_data();
    void permissionMatrix();
    void fanOutReachesEveryDeviceOnce();
    void removedMemberStopsReceivingAndCannotReadNewHistory();
    void joinerSeesHistoryFromJoin();
    void ownerLeavingHandsOwnershipOn();
    void groupSizeIsEnforced();
    void directConversationsAreNotGroups();
    void presenceGoesOnlyToContactsAndIsCoalesced();
    void presenceTogglingIsNotAmplified();
    void aBigGroupOfOfflineMembersCostsFewLookups();
    void aFirstDirectMessageMakesContacts();
    void awayFollowsEveryDevice();
    void membershipChangesWhoSeesPresence();
    void typingReachesOthersAndIsNeverStored();
    void receiptCursorsOnlyMoveForward();

private:
    void startServer(int maxGroupMembers = 1000);
    std::unique_ptr<WireClient> client(const QString &name, bool registerFirst = true);
    //! Creates a group owned by `owner` with the others as members; returns its id (0 on failure).
    quint64 createGroup(WireClient &owner, const QString &title,
                        const QList<WireClient *> &members);
    static pb::Envelope create(const QString &title, const QList<quint64> &ids,
                               const QUuid &clientId = QUuid::createUuid());
    static QList<pb::Message> messageEvents(const WireClient &c, quint64 conversationId);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
    int m_graceMs = 300;
};

void TestGroups::initTestCase()
{
    QVERIFY(Auth::initCrypto());
}

void TestGroups::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    startServer();
}

void TestGroups::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

void TestGroups::startServer(int maxGroupMembers)
{
    m_server.reset();
    ServerConfig config;
    config.port = 0;
    config.dataDir = m_dir->path();
    config.hashCost = Auth::HashCost::minimum();
    config.limits.rateBurst = 1000;
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0; // per account: TestServer::accountRateLimitSpansDevices
    config.limits.maxGroupMembers = quint32(maxGroupMembers);
    config.presenceGraceMs = m_graceMs;
    config.registrationsPerAddressPerHour = 0; // dozens of accounts from 127.0.0.1
    // CTest runs this file twice: sockets on the main thread, and on network worker threads.
    config.networkThreads = qEnvironmentVariableIntValue("CONFAB_TEST_NETWORK_THREADS");
    m_server = std::make_unique<Server>(config);
    auto started = m_server->start();
    QVERIFY2(started.isOk(), started.isOk() ? "" : qPrintable(started.error().message));
}

std::unique_ptr<WireClient> TestGroups::client(const QString &name, bool registerFirst)
{
    auto c = std::make_unique<WireClient>();
    if (!c->connectAs(m_server->port(), name, registerFirst))
        return nullptr;
    return c;
}

pb::Envelope TestGroups::create(const QString &title, const QList<quint64> &ids,
                                const QUuid &clientId)
{
    pb::Envelope e;
    const QByteArray uuid = clientId.toRfc4122();
    e.mutable_create_group()->set_client_id(uuid.constData(), size_t(uuid.size()));
    e.mutable_create_group()->set_title(title.toStdString());
    for (quint64 id : ids)
        e.mutable_create_group()->add_member_ids(id);
    return e;
}

quint64 TestGroups::createGroup(WireClient &owner, const QString &title,
                                const QList<WireClient *> &members)
{
    QList<quint64> ids;
    for (const WireClient *member : members)
        ids.append(member->userId());
    const auto reply = owner.request(create(title, ids));
    if (!reply.has_group_result())
        return 0;
    return reply.group_result().conversation().conversation_id();
}

QList<pb::Message> TestGroups::messageEvents(const WireClient &c, quint64 conversationId)
{
    QList<pb::Message> result;
    for (const auto &event : c.events())
        if (event.has_message_event()
            && event.message_event().message().conversation_id() == conversationId)
            result.append(event.message_event().message());
    return result;
}

namespace {

pb::Envelope rename(quint64 conversationId, const QString &title)
{
    pb::Envelope e;
    e.mutable_rename_group()->set_conversation_id(conversationId);
    e.mutable_rename_group()->set_title(title.toStdString());
    return e;
}

pb::Envelope add(quint64 conversationId, quint64 userId)
{
    pb::Envelope e;
    e.mutable_add_members()->set_conversation_id(conversationId);
    e.mutable_add_members()->add_user_ids(userId);
    return e;
}

pb::Envelope remove(quint64 conversationId, quint64 userId)
{
    pb::Envelope e;
    e.mutable_remove_member()->set_conversation_id(conversationId);
    e.mutable_remove_member()->set_user_id(userId);
    return e;
}

pb::Envelope setRole(quint64 conversationId, quint64 userId, pb::Role role)
{
    pb::Envelope e;
    e.mutable_set_role()->set_conversation_id(conversationId);
    e.mutable_set_role()->set_user_id(userId);
    e.mutable_set_role()->set_role(role);
    return e;
}

pb::Envelope leave(quint64 conversationId)
{
    pb::Envelope e;
    e.mutable_leave_group()->set_conversation_id(conversationId);
    return e;
}

pb::Envelope history(quint64 conversationId)
{
    pb::Envelope e;
    e.mutable_history_request()->set_conversation_id(conversationId);
    return e;
}

pb::Envelope receipt(quint64 conversationId, quint64 delivered, quint64 read)
{
    pb::Envelope e;
    e.mutable_update_receipt()->set_conversation_id(conversationId);
    e.mutable_update_receipt()->set_delivered_seq(delivered);
    e.mutable_update_receipt()->set_read_seq(read);
    return e;
}

pb::Envelope typing(quint64 conversationId)
{
    pb::Envelope e;
    e.mutable_typing()->set_conversation_id(conversationId);
    return e;
}

pb::Role roleOf(const pb::Conversation &conversation, quint64 userId)
{
    for (const auto &member : conversation.members())
        if (member.user_id() == userId)
            return member.role();
    return pb::Role(-1);
}

bool hasMember(const pb::Conversation &conversation, quint64 userId)
{
    return roleOf(conversation, userId) != pb::Role(-1);
}

} // namespace

void TestGroups::createIsIdempotentAndEveryoneHearsOfIt()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const QUuid clientId = QUuid::createUuid();
    const auto first = alice->request(
        create(QStringLiteral("家人"), { bob->userId(), carol->userId() }, clientId));
    QVERIFY2(first.has_group_result(), first.error().message().c_str());
    const auto &group = first.group_result().conversation();
    QCOMPARE(group.kind(), pb::CONVERSATION_KIND_GROUP);
    QCOMPARE(QString::fromStdString(group.title()), QStringLiteral("家人"));
    QCOMPARE(group.members_size(), 3);
    QCOMPARE(roleOf(group, alice->userId()), pb::ROLE_OWNER);
    QCOMPARE(roleOf(group, bob->userId()), pb::ROLE_MEMBER);
    const auto &event = first.group_result().event();
    QCOMPARE(event.seq(), quint64(1));
    QCOMPARE(event.group_event().kind(), pb::GroupEvent::CREATED);
    QCOMPARE(event.sender_id(), alice->userId());

    // Members get the entry and the group's state, once each.
    QVERIFY(bob->waitForEvents(2));
    QVERIFY(carol->waitForEvents(2));
    QCOMPARE(messageEvents(*bob, group.conversation_id()).size(), 1);
    QVERIFY(bob->events().last().has_conversation_event());
    QCOMPARE(bob->events().last().conversation_event().conversation().members_size(), 3);

    // A repeated request (lost answer, reconnect) creates nothing new and tells nobody again.
    const auto again = alice->request(
        create(QStringLiteral("家人"), { bob->userId(), carol->userId() }, clientId));
    QCOMPARE(again.group_result().conversation().conversation_id(), group.conversation_id());
    QCOMPARE(again.group_result().conversation().last_seq(), quint64(1));
    QTest::qWait(100);
    QCOMPARE(bob->events().size(), 2);

    // It is in everyone's list and sync.
    pb::Envelope list;
    list.mutable_list_conversations();
    const auto listed = carol->request(list);
    QCOMPARE(listed.conversation_list().conversations_size(), 1);
    QCOMPARE(listed.conversation_list().conversations(0).unread_count(),
             quint64(0)); // events are not unread

    const auto empty = alice->request(create(QStringLiteral("   "), { bob->userId() }));
    QCOMPARE(empty.error().code(), pb::INVALID_ARGUMENT);
    const auto unknown = alice->request(create(QStringLiteral("x"), { 999'999 }));
    QCOMPARE(unknown.error().code(), pb::NOT_FOUND);
}

void TestGroups::permissionMatrix_data()
{
    QTest::addColumn<QString>("actor"); // owner, admin, member, outsider, left
    QTest::addColumn<QString>(
        "action"); // rename, add, remove-member, remove-admin, promote, demote
    QTest::addColumn<int>("expected"); // pb::ErrorCode, 0 = allowed

    const QStringList actions { QStringLiteral("rename"),        QStringLiteral("add"),
                                QStringLiteral("remove-member"), QStringLiteral("remove-admin"),
                                QStringLiteral("promote"),       QStringLiteral("demote") };
    const QHash<QString, QList<int>> expected {
        // rename, add, remove-member, remove-admin, promote, demote
        { QStringLiteral("owner"), { 0, 0, 0, 0, 0, 0 } },
        { QStringLiteral("admin"), { 0, 0, 0, pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN } },
        { QStringLiteral("member"),
          { pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN,
            pb::FORBIDDEN } },
        { QStringLiteral("outsider"),
          { pb::NOT_FOUND, pb::NOT_FOUND, pb::NOT_FOUND, pb::NOT_FOUND, pb::NOT_FOUND,
            pb::NOT_FOUND } },
        { QStringLiteral("left"),
          { pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN, pb::FORBIDDEN,
            pb::FORBIDDEN } },
    };
    for (const QString &actor :
         { QStringLiteral("owner"), QStringLiteral("admin"), QStringLiteral("member"),
           QStringLiteral("outsider"), QStringLiteral("left") }) {
        for (int i = 0; i < actions.size(); ++i) {
            QTest::addRow("%s-%s", qPrintable(actor), qPrintable(actions[i]))
                << actor << actions[i] << expected.value(actor)[i];
        }
    }
}

void TestGroups::permissionMatrix()
{
    QFETCH(QString, actor);
    QFETCH(QString, action);
    QFETCH(int, expected);

    // owner, admin, admin2 (a target), member, member2 (a target), left, outsider, newcomer
    std::map<QString, std::unique_ptr<WireClient>> c;
    for (const char *name :
         { "owner", "admin", "admin2", "member", "member2", "left", "outsider", "newcomer" }) {
        c[QString::fromLatin1(name)] = client(QString::fromLatin1(name));
        QVERIFY(c[QString::fromLatin1(name)]);
    }
    const quint64 group =
        createGroup(*c[QStringLiteral("owner")], QStringLiteral("matrix"),
                    { c[QStringLiteral("admin")].get(), c[QStringLiteral("admin2")].get(),
                      c[QStringLiteral("member")].get(), c[QStringLiteral("member2")].get(),
                      c[QStringLiteral("left")].get() });
    QVERIFY(group);
    auto id = [&c](const char *name) { return c[QString::fromLatin1(name)]->userId(); };
    for (const char *name : { "admin", "admin2" })
        QVERIFY(c[QStringLiteral("owner")]
                    ->request(setRole(group, id(name), pb::ROLE_ADMIN))
                    .has_group_result());
    QVERIFY(c[QStringLiteral("left")]->request(leave(group)).has_group_result());

    pb::Envelope request;
    if (action == QStringLiteral("rename"))
        request = rename(group, QStringLiteral("renamed"));
    else if (action == QStringLiteral("add"))
        request = add(group, id("newcomer"));
    else if (action == QStringLiteral("remove-member"))
        request = remove(group, id("member2"));
    else if (action == QStringLiteral("remove-admin"))
        request = remove(group, id("admin2"));
    else if (action == QStringLiteral("promote"))
        request = setRole(group, id("member2"), pb::ROLE_ADMIN);
    else
        request = setRole(group, id("admin2"), pb::ROLE_MEMBER);

    const auto reply = c[actor]->request(request);
    if (expected == 0) {
        QVERIFY2(reply.has_group_result(), reply.error().message().c_str());
        const auto &after = reply.group_result().conversation();
        QVERIFY(reply.group_result().has_event()); // recorded in the stream
        if (action == QStringLiteral("rename"))
            QCOMPARE(after.title(), std::string("renamed"));
        else if (action == QStringLiteral("add"))
            QVERIFY(hasMember(after, id("newcomer")));
        else if (action == QStringLiteral("remove-member"))
            QVERIFY(!hasMember(after, id("member2")));
        else if (action == QStringLiteral("remove-admin"))
            QVERIFY(!hasMember(after, id("admin2")));
        else if (action == QStringLiteral("promote"))
            QCOMPARE(roleOf(after, id("member2")), pb::ROLE_ADMIN);
        else
            QCOMPARE(roleOf(after, id("admin2")), pb::ROLE_MEMBER);
    } else {
        QVERIFY2(reply.has_error(), "the request should have been refused");
        QCOMPARE(int(reply.error().code()), expected);
        // Refused changes change nothing: the group is as it was, for everyone.
        pb::Envelope list;
        list.mutable_list_conversations();
        const auto listed = c[QStringLiteral("owner")]->request(list);
        const auto &now = listed.conversation_list().conversations(0);
        QCOMPARE(now.title(), std::string("matrix"));
        QCOMPARE(now.members_size(), 5); // six, minus the one who left
        QCOMPARE(roleOf(now, id("admin2")), pb::ROLE_ADMIN);
        QCOMPARE(roleOf(now, id("member2")), pb::ROLE_MEMBER);
    }
}

void TestGroups::fanOutReachesEveryDeviceOnce()
{
    auto alice = client(QStringLiteral("alice"));
    auto alice2 = client(QStringLiteral("alice"), false);
    auto bob = client(QStringLiteral("bob"));
    auto bob2 = client(QStringLiteral("bob"), false);
    auto carol = client(QStringLiteral("carol"));
    auto dave = client(QStringLiteral("dave")); // not in the group
    QVERIFY(alice && alice2 && bob && bob2 && carol && dave);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get(), carol.get() });
    QVERIFY(group);
    // Every member device has the CREATED entry before the count starts: with network worker
    // threads it can reach them after the owner's answer.
    for (WireClient *c : { alice2.get(), bob.get(), bob2.get(), carol.get() })
        QTRY_COMPARE(messageEvents(*c, group).size(), 1);
    for (WireClient *c :
         { alice.get(), alice2.get(), bob.get(), bob2.get(), carol.get(), dave.get() })
        c->clearEvents();

    constexpr int kMessages = 20;
    for (int i = 0; i < kMessages; ++i) {
        const auto ack = alice->request(WireClient::sendIn(group, QStringLiteral("m%1").arg(i)));
        QVERIFY2(ack.has_message_ack(), ack.error().message().c_str());
    }
    for (WireClient *c : { alice2.get(), bob.get(), bob2.get(), carol.get() })
        QTRY_COMPARE(messageEvents(*c, group).size(), kMessages);
    QTest::qWait(100);
    for (WireClient *c : { alice2.get(), bob.get(), bob2.get(), carol.get() }) {
        const auto got = messageEvents(*c, group);
        QCOMPARE(got.size(), kMessages); // exactly once
        for (int i = 0; i < kMessages; ++i)
            QCOMPARE(got[i].seq(), quint64(i + 2)); // after the CREATED entry, in order
    }
    QCOMPARE(messageEvents(*alice, group).size(), 0); // the sending device has the acks
    QCOMPARE(dave->events().size(), 0);
}

void TestGroups::removedMemberStopsReceivingAndCannotReadNewHistory()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get(), carol.get() });
    QVERIFY(group);
    QVERIFY(alice->request(WireClient::sendIn(group, QStringLiteral("before"))).has_message_ack());
    QTRY_COMPARE(messageEvents(*carol, group).size(), 2);
    carol->clearEvents();

    const auto removed = alice->request(remove(group, carol->userId()));
    QVERIFY2(removed.has_group_result(), removed.error().message().c_str());
    const quint64 removalSeq = removed.group_result().event().seq();
    QCOMPARE(removalSeq, quint64(3));
    // Carol hears of her removal: the entry, and the group without her.
    QTRY_COMPARE(messageEvents(*carol, group).size(), 1);
    QCOMPARE(messageEvents(*carol, group).first().group_event().kind(),
             pb::GroupEvent::MEMBER_REMOVED);
    QTRY_VERIFY(!carol->events().isEmpty() && carol->events().last().has_conversation_event());
    QVERIFY(
        !hasMember(carol->events().last().conversation_event().conversation(), carol->userId()));

    carol->clearEvents();
    QVERIFY(alice->request(WireClient::sendIn(group, QStringLiteral("after"))).has_message_ack());
    QTRY_COMPARE(messageEvents(*bob, group).size(), 4);
    QTest::qWait(100);
    QCOMPARE(carol->events().size(), 0); // nothing new reaches her

    // Her history ends at her removal; she can neither send nor type nor pass receipts on.
    const auto page = carol->request(history(group));
    QVERIFY(page.has_history_page());
    QCOMPARE(page.history_page().messages_size(), 3);
    QCOMPARE(page.history_page().messages(2).seq(), removalSeq);
    QCOMPARE(carol->request(WireClient::sendIn(group, QStringLiteral("hi"))).error().code(),
             pb::FORBIDDEN);
    QCOMPARE(carol->request(typing(group)).error().code(), pb::NOT_FOUND);
    // A device of hers that was offline syncs up to the removal, and sees she has left.
    auto carolLater = client(QStringLiteral("carol"), false);
    QVERIFY(carolLater);
    pb::Envelope sync;
    sync.mutable_sync_request();
    const auto synced = carolLater->request(sync);
    QCOMPARE(synced.sync_page().messages_size(), 3);
    QCOMPARE(synced.sync_page().messages(2).seq(), removalSeq);
    QVERIFY(synced.sync_page().conversations(0).left());
    QCOMPARE(synced.sync_page().conversations(0).last_seq(), removalSeq);

    // Nor does her list: the group's name as it was when she left, and no member list.
    QVERIFY(alice->request(rename(group, QStringLiteral("secret plans"))).has_group_result());
    pb::Envelope list;
    list.mutable_list_conversations();
    const auto listed = carol->request(list).conversation_list().conversations(0);
    QCOMPARE(listed.title(), std::string("team"));
    QCOMPARE(listed.members_size(), 0);
    QCOMPARE(listed.receipts_size(), 0);
    QCOMPARE(listed.last_seq(), removalSeq);

    // Added back, she sees from then on (not what was said while she was out).
    QVERIFY(alice->request(add(group, carol->userId())).has_group_result());
    const auto back = carol->request(history(group));
    QCOMPARE(back.history_page().messages_size(), 1);
    QCOMPARE(back.history_page().messages(0).group_event().kind(), pb::GroupEvent::MEMBERS_ADDED);
}

void TestGroups::joinerSeesHistoryFromJoin()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto dave = client(QStringLiteral("dave"));
    QVERIFY(alice && bob && dave);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get() });
    QVERIFY(group);
    for (int i = 0; i < 5; ++i)
        QVERIFY(alice->request(WireClient::sendIn(group, QStringLiteral("old %1").arg(i)))
                    .has_message_ack());
    const auto added = alice->request(add(group, dave->userId()));
    QVERIFY2(added.has_group_result(), added.error().message().c_str());
    const quint64 joinSeq = added.group_result().event().seq();
    QCOMPARE(joinSeq, quint64(7));
    QVERIFY(alice->request(WireClient::sendIn(group, QStringLiteral("welcome"))).has_message_ack());

    QTRY_COMPARE(messageEvents(*dave, group).size(), 2); // the entry adding him, then "welcome"
    pb::Envelope sync;
    sync.mutable_sync_request();
    const auto synced = dave->request(sync);
    QCOMPARE(synced.sync_page().messages_size(), 2);
    QCOMPARE(synced.sync_page().messages(0).seq(), joinSeq);
    QCOMPARE(synced.sync_page().conversations(0).joined_seq(), joinSeq - 1);
    const auto page = dave->request(history(group));
    QCOMPARE(page.history_page().messages_size(), 2);
    QVERIFY(!page.history_page().has_more());
    pb::Envelope older = history(group);
    older.mutable_history_request()->set_before_seq(joinSeq);
    QCOMPARE(dave->request(older).history_page().messages_size(), 0);
}

void TestGroups::ownerLeavingHandsOwnershipOn()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get(), carol.get() });
    QVERIFY(group);
    QVERIFY(alice->request(setRole(group, carol->userId(), pb::ROLE_ADMIN)).has_group_result());
    const auto left = alice->request(leave(group));
    QVERIFY2(left.has_group_result(), left.error().message().c_str());
    QVERIFY(left.group_result().conversation().left());
    const auto &event = left.group_result().event().group_event();
    QCOMPARE(event.kind(), pb::GroupEvent::MEMBER_LEFT);
    QCOMPARE(event.user_ids(0), carol->userId()); // the admin, ahead of the plain member
    // Bob hears of it: the group without Alice. (With network threads that can come after
    // Alice's answer; an earlier conversation event, from the role change, is not it.)
    QTRY_VERIFY(
        !bob->events().isEmpty() && bob->events().last().has_conversation_event()
        && !hasMember(bob->events().last().conversation_event().conversation(), alice->userId()));
    const auto &now = bob->events().last().conversation_event().conversation();
    QCOMPARE(roleOf(now, carol->userId()), pb::ROLE_OWNER);
    QVERIFY(!hasMember(now, alice->userId()));

    // Handing over explicitly: the old owner stays an admin.
    const auto handed = carol->request(setRole(group, bob->userId(), pb::ROLE_OWNER));
    QVERIFY(handed.has_group_result());
    QCOMPARE(roleOf(handed.group_result().conversation(), bob->userId()), pb::ROLE_OWNER);
    QCOMPARE(roleOf(handed.group_result().conversation(), carol->userId()), pb::ROLE_ADMIN);
    QCOMPARE(carol->request(leave(group)).group_result().event().group_event().user_ids_size(), 0);
}

void TestGroups::groupSizeIsEnforced()
{
    startServer(3);
    std::vector<std::unique_ptr<WireClient>> users;
    for (int i = 0; i < 5; ++i) {
        users.push_back(client(QStringLiteral("user%1").arg(i)));
        QVERIFY(users.back());
    }
    QCOMPARE(users[0]
                 ->request(create(QStringLiteral("big"),
                                  { users[1]->userId(), users[2]->userId(), users[3]->userId() }))
                 .error()
                 .code(),
             pb::GROUP_FULL);
    const quint64 group =
        createGroup(*users[0], QStringLiteral("small"), { users[1].get(), users[2].get() });
    QVERIFY(group);
    QCOMPARE(users[0]->request(add(group, users[3]->userId())).error().code(), pb::GROUP_FULL);
}

void TestGroups::directConversationsAreNotGroups()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    const auto ack =
        alice->request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("hi")));
    const quint64 direct = ack.message_ack().conversation_id();
    QCOMPARE(alice->request(rename(direct, QStringLiteral("x"))).error().code(),
             pb::INVALID_ARGUMENT);
    QCOMPARE(alice->request(leave(direct)).error().code(), pb::INVALID_ARGUMENT);
}

void TestGroups::aFirstDirectMessageMakesContacts()
{
    // Carol was here once: she has a last-seen.
    QVERIFY(client(QStringLiteral("carol")));
    QTest::qWait(m_graceMs + 200);
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QTest::qWait(100);
    QVERIFY(alice->presence().isEmpty() && bob->presence().isEmpty()); // strangers so far

    // The first message: each hears that the other is online.
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("hi")))
                .has_message_ack());
    QTRY_COMPARE(alice->presence().size(), 1);
    QTRY_COMPARE(bob->presence().size(), 1);
    QCOMPARE(alice->presence().first().presences(0).user_id(), bob->userId());
    QCOMPARE(alice->presence().first().presences(0).state(), pb::PRESENCE_ONLINE);
    QCOMPARE(bob->presence().first().presences(0).user_id(), alice->userId());
    QCOMPARE(bob->presence().first().presences(0).state(), pb::PRESENCE_ONLINE);

    // More messages: nothing new to tell.
    QVERIFY(bob->request(WireClient::sendTo(QStringLiteral("alice"), QStringLiteral("hey")))
                .has_message_ack());
    QTest::qWait(100);
    QCOMPARE(alice->presence().size(), 1);
    QCOMPARE(bob->presence().size(), 1);

    // To someone offline: when she was last seen.
    QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("carol"), QStringLiteral("hello")))
                .has_message_ack());
    QTRY_COMPARE(alice->presence().size(), 2);
    const auto carol = alice->presence().last().presences(0);
    QCOMPARE(carol.state(), pb::PRESENCE_OFFLINE);
    QVERIFY(carol.last_seen_ms() > 0);

    // And bob, now a contact, is heard of when he goes.
    bob.reset();
    QTRY_COMPARE_WITH_TIMEOUT(alice->presence().size(), 3, m_graceMs + 3000);
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_OFFLINE);
}

void TestGroups::presenceGoesOnlyToContactsAndIsCoalesced()
{
    auto alice = client(QStringLiteral("alice"));
    auto eve = client(QStringLiteral("eve")); // shares nothing with anyone
    QVERIFY(alice && eve);
    {
        auto bob = client(QStringLiteral("bob"));
        QVERIFY(bob);
        QVERIFY(alice->request(WireClient::sendTo(QStringLiteral("bob"), QStringLiteral("hi")))
                    .has_message_ack());
    }
    // Bob is gone; after the grace period alice (now his contact? not yet: she had no contacts
    // at sign-in) learns nothing. Sign in again: each side gets a snapshot.
    QTest::qWait(m_graceMs + 200);
    alice.reset();
    alice = client(QStringLiteral("alice"), false);
    QVERIFY(alice);
    QTRY_COMPARE(alice->presence().size(), 1);
    QCOMPARE(alice->presence().first().presences_size(), 1);
    const auto bobBefore = alice->presence().first().presences(0);
    QCOMPARE(bobBefore.state(), pb::PRESENCE_OFFLINE);
    QVERIFY(bobBefore.last_seen_ms() > 0); // stored when he went offline
    alice->clearPresence();

    auto bob = client(QStringLiteral("bob"), false);
    QVERIFY(bob);
    QTRY_VERIFY(!alice->presence().isEmpty());
    QCOMPARE(alice->presence().last().presences(0).user_id(), bob->userId());
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_ONLINE);
    QTRY_VERIFY(!bob->presence().isEmpty()); // his snapshot: alice is online
    QCOMPARE(bob->presence().first().presences(0).state(), pb::PRESENCE_ONLINE);

    // A reconnect within the grace period is not broadcast.
    alice->clearPresence();
    bob.reset();
    bob = client(QStringLiteral("bob"), false);
    QVERIFY(bob);
    QTest::qWait(m_graceMs + 300);
    QCOMPARE(alice->presence().size(), 0);

    // Gone for longer: offline, with last-seen, after the grace period and not before.
    bob.reset();
    QTest::qWait(m_graceMs / 3);
    QCOMPARE(alice->presence().size(), 0);
    QTRY_COMPARE(alice->presence().size(), 1);
    QCOMPARE(alice->presence().first().presences(0).state(), pb::PRESENCE_OFFLINE);
    QVERIFY(alice->presence().first().presences(0).last_seen_ms() > 0);

    QCOMPARE(eve->presence().size(), 0); // a stranger sees nothing, ever
}

void TestGroups::presenceTogglingIsNotAmplified()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(createGroup(*alice, QStringLiteral("pair"), { bob.get() }));
    QTest::qWait(Presence::PresenceTracker::kMinAnnounceIntervalMs + 200);
    alice->clearPresence();
    // Bob's client flips between away and online as fast as his rate allows: each flip would
    // otherwise reach every device of every contact.
    constexpr int kFlips = 40;
    for (int i = 0; i < kFlips; ++i) {
        pb::Envelope flip;
        flip.mutable_set_presence()->set_state(i % 2 == 0 ? pb::PRESENCE_AWAY
                                                          : pb::PRESENCE_ONLINE);
        QVERIFY(bob->request(flip).has_ok());
    }
    pb::Envelope last;
    last.mutable_set_presence()->set_state(pb::PRESENCE_AWAY);
    QVERIFY(bob->request(last).has_ok());
    // Alice hears the latest state, once per interval at most.
    QTRY_VERIFY_WITH_TIMEOUT(!alice->presence().isEmpty()
                                 && alice->presence().last().presences(0).state()
                                     == pb::PRESENCE_AWAY,
                             5000);
    QTest::qWait(Presence::PresenceTracker::kMinAnnounceIntervalMs + 200);
    QVERIFY2(alice->presence().size() <= 3, qPrintable(QString::number(alice->presence().size())));
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_AWAY);
}

void TestGroups::aBigGroupOfOfflineMembersCostsFewLookups()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QList<quint64> ids { bob->userId() };
    constexpr int kOffline = 60;
    for (int i = 0; i < kOffline; ++i) {
        auto member = client(QStringLiteral("member%1").arg(i));
        QVERIFY(member);
        ids.append(member->userId());
    } // gone: offline once the grace period is over
    QTest::qWait(m_graceMs + 300);
    bob->clearPresence();
    auto lookups = [this] {
        static const QRegularExpression line(
            QStringLiteral("^confab_presence_contact_lookups_total (\\d+)$"),
            QRegularExpression::MultilineOption);
        return line.match(QString::fromUtf8(m_server->prometheusMetrics())).captured(1).toInt();
    };
    const int before = lookups();
    const auto reply = alice->request(create(QStringLiteral("everyone"), ids));
    QVERIFY(reply.has_group_result());
    // Bob, online, hears of all 60 (offline, with when they were last seen) and of alice.
    QSet<quint64> heard;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            heard.clear();
            for (const pb::PresenceEvent &event : bob->presence())
                for (const pb::Presence &p : event.presences())
                    if (p.state() != pb::PRESENCE_OFFLINE || p.last_seen_ms() > 0)
                        heard.insert(p.user_id());
            return heard.size() == kOffline + 1;
        }(),
        5000);
    // Two online members were looked up; the 60 offline ones cost none.
    QCOMPARE(lookups() - before, 2);
}

void TestGroups::awayFollowsEveryDevice()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(createGroup(*alice, QStringLiteral("pair"), { bob.get() }));
    auto bob2 = client(QStringLiteral("bob"), false);
    QVERIFY(bob2);
    QTest::qWait(100);
    alice->clearPresence();
    pb::Envelope away;
    away.mutable_set_presence()->set_state(pb::PRESENCE_AWAY);
    QVERIFY(bob->request(away).has_ok());
    QTest::qWait(100);
    QCOMPARE(alice->presence().size(), 0); // his other device is still in use
    QVERIFY(bob2->request(away).has_ok());
    QTRY_COMPARE(alice->presence().size(), 1);
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_AWAY);
    pb::Envelope back;
    back.mutable_set_presence()->set_state(pb::PRESENCE_ONLINE);
    QVERIFY(bob2->request(back).has_ok());
    QTRY_COMPARE(alice->presence().size(), 2);
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_ONLINE);
    pb::Envelope offline;
    offline.mutable_set_presence()->set_state(pb::PRESENCE_OFFLINE);
    QCOMPARE(bob->request(offline).error().code(), pb::INVALID_ARGUMENT);

    // Sessions the server closes (here: logging out) count as gone too.
    pb::Envelope logout;
    logout.mutable_logout();
    QVERIFY(bob->request(logout).has_ok());
    QVERIFY(bob2->request(logout).has_ok());
    QTRY_COMPARE(alice->presence().size(), 3);
    QCOMPARE(alice->presence().last().presences(0).state(), pb::PRESENCE_OFFLINE);
}

void TestGroups::membershipChangesWhoSeesPresence()
{
    auto alice = client(QStringLiteral("alice"));
    auto bob = client(QStringLiteral("bob"));
    auto eve = client(QStringLiteral("eve"));
    QVERIFY(alice && bob && eve);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get() });
    QVERIFY(group);
    QTRY_VERIFY(!bob->presence().isEmpty()); // bob learnt of alice, alice of bob
    QTRY_VERIFY(!alice->presence().isEmpty());
    QTest::qWait(100);
    QCOMPARE(eve->presence().size(), 0);
    for (WireClient *c : { alice.get(), bob.get(), eve.get() })
        c->clearPresence();

    // A rename changes nobody's contacts: no presence traffic at all.
    QVERIFY(alice->request(rename(group, QStringLiteral("renamed"))).has_group_result());
    QTest::qWait(200);
    QCOMPARE(alice->presence().size() + bob->presence().size() + eve->presence().size(), 0);

    // Eve joins: she hears of both, and both hear of her.
    QVERIFY(alice->request(add(group, eve->userId())).has_group_result());
    auto heard = [](const WireClient &c, quint64 userId) {
        for (const auto &event : c.presence())
            for (const auto &p : event.presences())
                if (p.user_id() == userId && p.state() == pb::PRESENCE_ONLINE)
                    return true;
        return false;
    };
    QTRY_VERIFY(heard(*eve, alice->userId()) && heard(*eve, bob->userId()));
    QTRY_VERIFY(heard(*alice, eve->userId()));
    QTRY_VERIFY(heard(*bob, eve->userId()));

    // Removed, she is nobody's contact: her going offline is not told.
    QVERIFY(alice->request(remove(group, eve->userId())).has_group_result());
    QTest::qWait(200);
    alice->clearPresence();
    bob->clearPresence();
    eve.reset();
    QTest::qWait(m_graceMs + 300);
    QCOMPARE(alice->presence().size(), 0);
    QCOMPARE(bob->presence().size(), 0);
}

void TestGroups::typingReachesOthersAndIsNeverStored()
{
    auto alice = client(QStringLiteral("alice"));
    auto alice2 = client(QStringLiteral("alice"), false);
    auto bob = client(QStringLiteral("bob"));
    auto eve = client(QStringLiteral("eve"));
    QVERIFY(alice && alice2 && bob && eve);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get() });
    QVERIFY(group);
    QTRY_COMPARE(bob->events().size(), 2);
    QTRY_COMPARE(alice2->events().size(), 2); // the same two, before clearing
    bob->clearEvents();
    alice2->clearEvents();

    alice->post(typing(group)); // request id set: answered with Ok
    pb::Envelope oneWay = typing(group);
    QTRY_COMPARE(bob->events().size(), 1);
    const auto &event = bob->events().first().typing_event();
    QCOMPARE(event.conversation_id(), group);
    QCOMPARE(event.user_id(), alice->userId());
    QTest::qWait(100);
    QCOMPARE(alice2->events().size(), 0); // not echoed to the typist's own devices

    // The one-way form (request id 0) is passed on and not answered; a second within a second
    // is not passed on.
    const int framesBefore = alice->framesReceived();
    alice->socket().sendBinaryMessage(Codec::encode(oneWay));
    QTest::qWait(200);
    QCOMPARE(bob->events().size(), 1);
    QTest::qWait(1000);
    alice->socket().sendBinaryMessage(Codec::encode(oneWay));
    QTRY_COMPARE(bob->events().size(), 2);
    QCOMPARE(alice->framesReceived(), framesBefore);

    // Never stored: no seq moved, nothing in history or sync.
    const auto page = bob->request(history(group));
    QCOMPARE(page.history_page().messages_size(), 1); // only the CREATED entry
    pb::Envelope list;
    list.mutable_list_conversations();
    QCOMPARE(bob->request(list).conversation_list().conversations(0).last_seq(), quint64(1));

    // Outsiders can neither type into it nor learn that it exists.
    QCOMPARE(eve->request(typing(group)).error().code(), pb::NOT_FOUND);
    QCOMPARE(eve->request(typing(987654)).error().code(), pb::NOT_FOUND);
}

void TestGroups::receiptCursorsOnlyMoveForward()
{
    auto alice = client(QStringLiteral("alice"));
    auto alice2 = client(QStringLiteral("alice"), false);
    auto bob = client(QStringLiteral("bob"));
    auto carol = client(QStringLiteral("carol"));
    QVERIFY(alice && alice2 && bob && carol);
    const quint64 group = createGroup(*alice, QStringLiteral("team"), { bob.get(), carol.get() });
    QVERIFY(group);
    for (int i = 0; i < 4; ++i)
        QVERIFY(alice->request(WireClient::sendIn(group, QStringLiteral("m%1").arg(i)))
                    .has_message_ack());
    for (WireClient *c : { alice2.get(), bob.get(), carol.get() })
        QTRY_COMPARE(messageEvents(*c, group).size(), 5);
    for (WireClient *c : { alice.get(), alice2.get(), bob.get(), carol.get() })
        c->clearEvents();

    auto receipts = [](const WireClient &c) {
        QList<pb::Receipt> result;
        for (const auto &event : c.events())
            if (event.has_receipt_event())
                result.append(event.receipt_event().receipt());
        return result;
    };
    // One update covers everything up to seq 4 (delivered 5).
    QVERIFY(bob->request(receipt(group, 5, 4)).has_ok());
    QTRY_COMPARE(receipts(*alice).size(), 1);
    QCOMPARE(receipts(*alice).first().user_id(), bob->userId());
    QCOMPARE(receipts(*alice).first().delivered_seq(), quint64(5));
    QCOMPARE(receipts(*alice).first().read_seq(), quint64(4));
    QTRY_COMPARE(receipts(*alice2).size(), 1);
    QTRY_COMPARE(receipts(*carol).size(), 1);

    // An older cursor never moves one back, and tells nobody.
    QVERIFY(bob->request(receipt(group, 2, 1)).has_ok());
    // Beyond the end is clamped; read implies delivered.
    QVERIFY(bob->request(receipt(group, 0, 99)).has_ok());
    QTRY_COMPARE(receipts(*alice).size(), 2);
    QTest::qWait(100);
    QCOMPARE(receipts(*alice).size(), 2);
    QCOMPARE(receipts(*alice).last().read_seq(), quint64(5));
    QCOMPARE(receipts(*alice).last().delivered_seq(), quint64(5));

    // The list carries the others' cursors and the reader's own unread count.
    pb::Envelope list;
    list.mutable_list_conversations();
    const auto listed = alice->request(list).conversation_list().conversations(0);
    QCOMPARE(listed.receipts_size(), 1); // bob; carol never sent one
    QCOMPARE(listed.receipts(0).read_seq(), quint64(5));
    QCOMPARE(bob->request(list).conversation_list().conversations(0).unread_count(), quint64(0));
    QCOMPARE(carol->request(list).conversation_list().conversations(0).unread_count(), quint64(4));
    QCOMPARE(carol->request(receipt(987654, 1, 1)).error().code(), pb::NOT_FOUND);
}

CONFAB_EPOLL_TEST_MAIN(TestGroups)
#include "tst_groups.moc"
