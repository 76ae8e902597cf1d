#include "accountdialog.h"
#include "app/server.h"
#include "attachments.h"
#include "certificateprompt.h"
#include "chatclient.h"
#include "composer.h"
#include "conversationlistmodel.h"
#include "groupdialogs.h"
#include "imageviewer.h"
#include "localcache.h"
#include "localserver.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "messagelistmodel.h"
#include "privatesettings.h"
#include "retentiondialog.h"
#include "searchdialog.h"
#include "settingsdialog.h"
#include "testcertificate.h"

#include <confab/version.h>

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFrame>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSysInfo>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

using namespace Confab;
using Client::ChatClient;
using Client::MessageListModel;
using Client::MessageState;

//! The real widgets, offscreen, against a real server core on 127.0.0.1 and a second client.
class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void signUpChatAndSurviveAnOutage();
    void wrongPasswordIsShownInTheDialog();
    void closedRegistrationIsExplainedInTheDialog();
    void olderHistoryLoadsWhenScrolledToTheTop();
    void draftsAreKeptPerConversationAndAcrossRestarts();
    void searchJumpsToTheMessage();
    void startAServerOnThisComputerAndSignUp();
    void groupPanelManagesMembersAndTheChatShowsItAll();
    void idleMeansAwayAndInputMeansOnline();
    void findInThisChat();
    void aNewLanguageOffersARestart();
    void digestEmailIsSetInSettingsWhenTheServerSendsThem();
    void certificateIsCheckedBeforeSigningIn();
    void accountDialogSignsOutDevicesAndChangesThePassword();
    void replyEditDeleteAndReactFromTheChat();
    void filesAreAttachedSentShownAndOpened();
    void chatNotificationModesFollowTheUserAcrossDevices();
    void disappearingMessagesFromTheChatMenu();

private:
    void startServer(bool openRegistration = true, const TestCertificate *tls = nullptr);
    std::unique_ptr<ChatClient> coreClient(const QString &name);

    PrivateSettings m_settings;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Server> m_server;
    quint16 m_port = 0;
    bool m_emailDigests = false; //!< the next startServer() says it sends digest emails
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_settings.isValid());
    QVERIFY(Auth::initCrypto());
    QCoreApplication::setOrganizationName(QStringLiteral("ConfabTests"));
}

void TestMainWindow::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    m_port = probe.serverPort();
    probe.close();
    startServer();
}

void TestMainWindow::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

void TestMainWindow::startServer(bool openRegistration, const TestCertificate *tls)
{
    m_server.reset();
    ServerConfig config;
    config.openRegistration = openRegistration;
    if (tls) {
        config.tlsCertificate = tls->certificatePath;
        config.tlsKey = tls->keyPath;
    }
    config.port = m_port;
    config.dataDir = m_dir->filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0; // per account: TestServer::accountRateLimitSpansDevices
    config.limits.rateBurst = 1000;
    if (m_emailDigests) { // never reached: only what Welcome says matters here
        config.smtpUrl = QStringLiteral("smtp://127.0.0.1:9");
        config.mailFrom = QStringLiteral("confab@example.org");
    }
    m_server = std::make_unique<Server>(config);
    QVERIFY(m_server->start());
}

std::unique_ptr<ChatClient> TestMainWindow::coreClient(const QString &name)
{
    auto client = std::make_unique<ChatClient>(m_dir->filePath(name));
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    client->setBackoff(20, 200);
    client->registerAccount(name, QStringLiteral("password123"));
    if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
        return nullptr;
    return client;
}

void TestMainWindow::signUpChatAndSurviveAnOutage()
{
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(bob);

    // Sign up through the dialog, as a person would.
    ChatClient alice(m_dir->filePath(QStringLiteral("alice-app")));
    alice.setBackoff(20, 200);
    Ui::LoginDialog login(&alice);
    login.show();
    QVERIFY(QTest::qWaitForWindowExposed(&login));
    QCOMPARE(login.serverField()->text(), QStringLiteral("127.0.0.1:7700")); // prefilled
    login.serverField()->setText(QStringLiteral("127.0.0.1:%1").arg(m_port));
    QTest::keyClicks(login.usernameField(), QStringLiteral("alice"));
    QTest::keyClicks(login.passwordField(), QStringLiteral("password123"));
    QSignalSpy accepted(&login, &QDialog::accepted);
    QTest::mouseClick(login.registerButton(), Qt::LeftButton);
    QVERIFY(accepted.wait(10'000));
    QTRY_COMPARE(alice.state(), ChatClient::State::Online);

    Ui::MainWindow window(&alice);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.banner()->isVisible()); // online: no banner

    // New chat with bob: type and press Enter.
    window.startChatWith(QStringLiteral("bob"));
    QSignalSpy received(bob.get(), &ChatClient::messageAdded);
    QTest::keyClicks(window.composer(), QStringLiteral("Hello Bob!"));
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QCOMPARE(window.composer()->toPlainText(), QString()); // cleared at once
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.first().first().value<Client::ChatMessage>().text,
             QStringLiteral("Hello Bob!"));
    // The new conversation shows up in the list and becomes the open one.
    QTRY_VERIFY(window.currentConversation() != 0);
    QTRY_COMPARE(window.conversationModel()->rowCount(), 1);
    QCOMPARE(window.messageModel()->rowCount(), 1);
    QCOMPARE(window.messageModel()
                 ->data(window.messageModel()->index(0), MessageListModel::StateRole)
                 .toInt(),
             int(MessageState::Sent));

    // Shift+Enter is a new line, not a send.
    QTest::keyClicks(window.composer(), QStringLiteral("line one"));
    QTest::keyClick(window.composer(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(window.composer(), QStringLiteral("line two"));
    QCOMPARE(window.composer()->toPlainText(), QStringLiteral("line one\nline two"));
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(1).first().value<Client::ChatMessage>().text,
             QStringLiteral("line one\nline two"));

    // Bob answers: it appears in the window.
    QVERIFY(bob->sendMessage(window.currentConversation(), QStringLiteral("Hi Alice")).isOk());
    QTRY_COMPARE(window.messageModel()->rowCount(), 3);

    // The server goes away: the message still goes into the chat, marked "sending".
    m_server.reset();
    QTRY_VERIFY(window.banner()->isVisible());
    QTRY_VERIFY(window.bannerLabel()->text().contains(QStringLiteral("Offline")));
    QTest::keyClicks(window.composer(), QStringLiteral("Are you there?"));
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QCOMPARE(window.messageModel()->rowCount(), 4);
    const QModelIndex last = window.messageModel()->index(3);
    QCOMPARE(last.data(MessageListModel::StateRole).toInt(), int(MessageState::Sending));

    // It comes back: the message is sent and the banner goes.
    startServer();
    QTRY_COMPARE_WITH_TIMEOUT(
        window.messageModel()->index(3).data(MessageListModel::StateRole).toInt(),
        int(MessageState::Sent), 15'000);
    QTRY_VERIFY(!window.banner()->isVisible());
    auto fromAlice = [&] {
        int count = 0;
        for (const auto &args : std::as_const(received))
            count +=
                args.first().value<Client::ChatMessage>().senderId == alice.currentUser().userId;
        return count;
    };
    QTRY_COMPARE(fromAlice(), 3);
}

void TestMainWindow::wrongPasswordIsShownInTheDialog()
{
    QVERIFY(coreClient(QStringLiteral("carol")));
    ChatClient client(m_dir->filePath(QStringLiteral("carol-app")));
    Ui::LoginDialog login(&client);
    login.show();
    login.serverField()->setText(QStringLiteral("127.0.0.1:%1").arg(m_port));
    login.usernameField()->setText(QStringLiteral("carol"));
    login.passwordField()->setText(QStringLiteral("wrong-password"));
    QTest::mouseClick(login.signInButton(), Qt::LeftButton);
    QTRY_COMPARE(login.errorText(), userMessage(ErrorCode::BAD_CREDENTIALS));
    QVERIFY(login.isVisible());
    QVERIFY(login.signInButton()->isEnabled()); // ready for another try

    login.passwordField()->setText(QStringLiteral("password123"));
    QSignalSpy accepted(&login, &QDialog::accepted);
    QTest::mouseClick(login.signInButton(), Qt::LeftButton);
    QVERIFY(accepted.wait(10'000));
}

void TestMainWindow::closedRegistrationIsExplainedInTheDialog()
{
    startServer(false); // [auth] registration = closed
    ChatClient client(m_dir->filePath(QStringLiteral("dora-app")));
    Ui::LoginDialog login(&client);
    login.show();
    login.serverField()->setText(QStringLiteral("127.0.0.1:%1").arg(m_port));
    login.usernameField()->setText(QStringLiteral("dora"));
    login.passwordField()->setText(QStringLiteral("password123"));
    QTest::mouseClick(login.registerButton(), Qt::LeftButton);
    // Not the generic "not allowed": what is going on, and what to do.
    QTRY_COMPARE(login.errorText(),
                 Ui::LoginDialog::tr("This server does not take new accounts. Ask its "
                                     "administrator for one, then sign in."));
    QVERIFY(login.isVisible());
    QVERIFY(login.signInButton()->isEnabled());
}

void TestMainWindow::olderHistoryLoadsWhenScrolledToTheTop()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    for (int i = 1; i <= 120; ++i)
        QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("message %1").arg(i))
                    .isOk());
    QTRY_COMPARE_WITH_TIMEOUT(alice->cache()->messageCount(), qint64(120), 15'000);
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(window.conversationModel()->rowCount(), 1);
    window.openConversation(window.conversationModel()
                                ->index(0)
                                .data(Client::ConversationListModel::ConversationIdRole)
                                .toULongLong());
    QCOMPARE(window.messageModel()->rowCount(), MessageListModel::kPageSize);
    QScrollBar *bar = window.messageView()->verticalScrollBar();
    QTRY_COMPARE(bar->value(), bar->maximum()); // opens at the newest message
    QTRY_VERIFY(!window.isSettling());

    bar->setValue(bar->minimum()); // the user scrolls to the top
    QTRY_COMPARE(window.messageModel()->rowCount(), 2 * MessageListModel::kPageSize);
    // The message that was at the top is still in view: no jump to the new top.
    QVERIFY(bar->value() > bar->minimum());
}

void TestMainWindow::draftsAreKeptPerConversationAndAcrossRestarts()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    auto carol = coreClient(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("from bob")).isOk());
    QVERIFY(carol->sendMessageTo(QStringLiteral("alice"), QStringLiteral("from carol")).isOk());
    quint64 withBob = 0, withCarol = 0;
    // The messages arrive first; the conversations' members follow (ListConversations).
    QTRY_VERIFY([&] {
        for (const auto &c : alice->cache()->conversations().value()) {
            for (const auto &m : c.members) {
                if (m.username == QLatin1String("bob"))
                    withBob = c.conversationId;
                else if (m.username == QLatin1String("carol"))
                    withCarol = c.conversationId;
            }
        }
        return withBob && withCarol;
    }());
    {
        Ui::MainWindow window(alice.get());
        window.show();
        window.openConversation(withBob);
        QTest::keyClicks(window.composer(), QStringLiteral("half a thought for Bob"));
        window.openConversation(withCarol);
        QCOMPARE(window.composer()->toPlainText(), QString());
        QTest::keyClicks(window.composer(), QStringLiteral("for Carol"));
        window.openConversation(withBob);
        QCOMPARE(window.composer()->toPlainText(), QStringLiteral("half a thought for Bob"));
        window.close(); // saves the open draft
    }
    Ui::MainWindow again(alice.get()); // as after a restart
    again.show();
    again.openConversation(withCarol);
    QCOMPARE(again.composer()->toPlainText(), QStringLiteral("for Carol"));
    again.openConversation(withBob);
    QCOMPARE(again.composer()->toPlainText(), QStringLiteral("half a thought for Bob"));
}

void TestMainWindow::searchJumpsToTheMessage()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    for (int i = 1; i <= 150; ++i) {
        const QString text = i == 7 ? QStringLiteral("the unicorn is in the garden")
                                    : QStringLiteral("filler %1").arg(i);
        QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), text).isOk());
    }
    QTRY_COMPARE_WITH_TIMEOUT(alice->cache()->messageCount(), qint64(150), 15'000);
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(window.conversationModel()->rowCount(), 1);

    Ui::SearchDialog search(alice.get(), window.conversationModel(), &window);
    connect(&search, &Ui::SearchDialog::messageChosen, &window, &Ui::MainWindow::showMessage);
    search.show();
    QTest::keyClicks(search.field(), QStringLiteral("unic"));
    QCOMPARE(search.results()->count(), 1);
    QTest::keyClick(search.field(), Qt::Key_Return);
    QVERIFY(!search.isVisible());

    const int row = window.messageModel()->rowOfSeq(7);
    QVERIFY(row >= 0); // loaded from far back in the history
    QTRY_VERIFY(!window.isSettling());
    const QRect shown = window.messageView()->visualRect(window.messageModel()->index(row));
    QVERIFY(window.messageView()->viewport()->rect().intersects(shown)); // and on screen
}

void TestMainWindow::startAServerOnThisComputerAndSignUp()
{
    m_server.reset(); // nothing running: the user starts one from the first-run dialog
    qputenv("CONFAB_CONFABD", CONFABD_PATH);
    ChatClient client(m_dir->filePath(QStringLiteral("first-run")));
    auto local =
        std::make_unique<Client::LocalServer>(m_dir->filePath(QStringLiteral("local-server")));
    Ui::LoginDialog login(&client, local.get());
    login.show();
    QVERIFY(login.startServerButton());
    QSignalSpy started(local.get(), &Client::LocalServer::started);
    QTest::mouseClick(login.startServerButton(), Qt::LeftButton);
    QVERIFY(started.wait(15'000));
    QVERIFY(local->isRunning());
    QCOMPARE(login.serverField()->text(), QStringLiteral("127.0.0.1:%1").arg(local->port()));
    QVERIFY(login.serverInfo()->isVisible());
    QVERIFY(local->shareableAddresses().isEmpty()); // loopback only unless allowed

    QTest::keyClicks(login.usernameField(), QStringLiteral("owner"));
    QTest::keyClicks(login.passwordField(), QStringLiteral("password123"));
    QSignalSpy accepted(&login, &QDialog::accepted);
    QTest::mouseClick(login.registerButton(), Qt::LeftButton);
    QVERIFY(accepted.wait(15'000));
    QTRY_COMPARE(client.state(), ChatClient::State::Online);

    // The account lives on this computer's server: the app starts it again next time.
    Ui::AppSettings remembered = Ui::AppSettings::load();
    QVERIFY(remembered.localServer);
    QCOMPARE(remembered.localServerPort, local->port());
    QVERIFY(!remembered.localServerAllowOthers);
    QVERIFY(!remembered.localServerKeepRunning);

    // Settings offer to keep it running and to start it at login; ticked, the login item exists.
    {
        Ui::SettingsDialog settings;
        QVERIFY(!settings.serverGroup()->isHidden());
        QVERIFY(!Client::LocalServer::loginItem().isEnabled());
        settings.serverAtLoginBox()->setChecked(true);
        settings.keepServerBox()->setChecked(true);
        settings.openAtLoginBox()->setChecked(true);
        settings.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        QCOMPARE(settings.errorText(), QString());
        QVERIFY(Client::LocalServer::loginItem().isEnabled());
        QVERIFY(Ui::AppSettings::appLoginItem().isEnabled());
        QVERIFY(Ui::AppSettings::load().localServerKeepRunning);
    }
    {
        Ui::SettingsDialog settings; // and unticked, it is gone
        QVERIFY(settings.serverAtLoginBox()->isChecked());
        settings.serverAtLoginBox()->setChecked(false);
        settings.openAtLoginBox()->setChecked(false);
        settings.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        QVERIFY(!Client::LocalServer::loginItem().isEnabled());
        QVERIFY(!Ui::AppSettings::appLoginItem().isEnabled());
    }

    client.disconnectFromServer();
    local.reset(); // the app quits: its server stops with it
    QVERIFY(
        QTest::qWaitFor([&] { return client.state() == ChatClient::State::Disconnected; }, 5000));
}

void TestMainWindow::groupPanelManagesMembersAndTheChatShowsItAll()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    auto carol = coreClient(QStringLiteral("carol"));
    QVERIFY(alice && bob && carol);
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Create it the way a user does: the dialog, then the chat opens.
    // Alice knows bob from a chat: she ticks him; carol she types.
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("hi")).isOk());
    QTRY_VERIFY(alice->cache()->knownUsers().value().size() == 2);
    Ui::CreateGroupDialog create(alice.get(), &window);
    QCOMPARE(create.peopleList()->count(), 1); // bob; not herself
    QCOMPARE(create.peopleList()->item(0)->data(Qt::UserRole).toString(), QStringLiteral("bob"));
    create.peopleList()->item(0)->setCheckState(Qt::Checked);
    const auto fields = create.findChildren<QLineEdit *>();
    fields.at(0)->setText(QStringLiteral("Trip 旅行"));
    fields.last()->setText(QStringLiteral("@carol"));
    QPushButton *createButton = nullptr;
    for (QPushButton *button : create.findChildren<QPushButton *>())
        if (button->text() == Ui::CreateGroupDialog::tr("Create"))
            createButton = button;
    QVERIFY(createButton && createButton->isEnabled());
    createButton->click();
    QTRY_VERIFY(create.createdConversation() != 0);
    const quint64 group = create.createdConversation();
    window.openConversation(group);
    QTRY_VERIFY(window.groupInfoButton()->isVisible());
    QTRY_COMPARE(window.subtitleLabel()->text(), Ui::MainWindow::tr("%n member(s)", nullptr, 3));

    // The panel lists everyone with roles; the owner makes bob an admin, then removes carol.
    Ui::GroupInfoDialog info(alice.get(), group, &window);
    QListWidget *list = info.memberList();
    QCOMPARE(list->count(), 3);
    auto rowOf = [list](const QString &username) {
        for (int row = 0; row < list->count(); ++row)
            if (list->item(row)->text().contains(QStringLiteral("@") + username))
                return row;
        return -1;
    };
    QVERIFY(list->item(rowOf(QStringLiteral("alice")))
                ->text()
                .contains(Ui::GroupInfoDialog::tr("owner")));
    auto button = [&info](const QString &text) -> QPushButton * {
        for (QPushButton *b : info.findChildren<QPushButton *>())
            if (b->text() == text)
                return b;
        return nullptr;
    };
    list->setCurrentRow(rowOf(QStringLiteral("bob")));
    QVERIFY(button(Ui::GroupInfoDialog::tr("Make admin"))->isEnabled());
    button(Ui::GroupInfoDialog::tr("Make admin"))->click();
    QTRY_VERIFY(list->item(rowOf(QStringLiteral("bob")))
                    ->text()
                    .contains(Ui::GroupInfoDialog::tr("admin")));
    list->setCurrentRow(rowOf(QStringLiteral("carol")));
    button(Ui::GroupInfoDialog::tr("Remove from group"))->click();
    QTRY_COMPARE(list->count(), 2);
    QTRY_VERIFY(carol->cache()->conversation(group).value().left);

    // The chat shows each change as a line, and bob's panel follows: an admin cannot remove
    // the owner.
    QTRY_COMPARE(window.messageModel()->rowCount(), 3); // created, role changed, removed
    QVERIFY(window.messageModel()
                ->index(2)
                .data(Client::MessageListModel::EventTextRole)
                .toString()
                .contains(QStringLiteral("CAROL").toLower(), Qt::CaseInsensitive));
    Ui::GroupInfoDialog bobsView(bob.get(), group, &window);
    bobsView.memberList()->setCurrentRow(0); // alice, the owner (ids ascending)
    for (QPushButton *b : bobsView.findChildren<QPushButton *>())
        if (b->text() == Ui::GroupInfoDialog::tr("Remove from group"))
            QVERIFY(!b->isEnabled());

    // Typing shows in the header; a message from bob gets his name above it.
    bob->notifyTyping(group);
    QTRY_COMPARE(window.subtitleLabel()->text(),
                 Ui::MainWindow::tr("%1 is typing…").arg(QStringLiteral("bob")));
    QVERIFY(bob->sendMessage(group, QStringLiteral("on my way")).isOk());
    QTRY_COMPARE(window.messageModel()->rowCount(), 4);
    QCOMPARE(
        window.messageModel()->index(3).data(Client::MessageListModel::SenderNameRole).toString(),
        QStringLiteral("bob"));
    QTRY_COMPARE(window.subtitleLabel()->text(), Ui::MainWindow::tr("%n member(s)", nullptr, 2));

    // A word longer than a bubble is wide (a long link) wraps inside the bubble.
    QVERIFY(bob->sendMessage(group, QStringLiteral("https://example.org/") + QString(400, u'x'))
                .isOk());
    QTRY_COMPARE(window.messageModel()->rowCount(), 5);
    QApplication::processEvents();
    const QRect row = window.messageView()->visualRect(window.messageModel()->index(4));
    QVERIFY2(row.height() > 4 * window.messageView()->fontMetrics().height(),
             qPrintable(QStringLiteral("row height %1").arg(row.height())));
}

void TestMainWindow::idleMeansAwayAndInputMeansOnline()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("hi")).isOk());
    QTRY_COMPARE(alice->cache()->messageCount(), qint64(1));
    auto bobLater = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("bob")));
    bob.reset(); // a new session of bob's gets alice's presence in its snapshot
    bobLater->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    QVERIFY(bobLater->restoreSession());
    const quint64 aliceId = alice->currentUser().userId;
    QTRY_COMPARE(bobLater->presence(aliceId).state, Client::PresenceState::Online);

    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.setAwayAfter(300); // Settings offers minutes; the test has no time for that
    QTRY_COMPARE(bobLater->presence(aliceId).state, Client::PresenceState::Away);
    QTest::keyClick(window.composer(), Qt::Key_A); // she is back
    // ...and stays (a blip shorter than the server's announce interval, 1 s, would be
    // coalesced away: PresenceTracker::kMinAnnounceIntervalMs).
    window.setAwayAfter(0); // never
    QTRY_COMPARE(bobLater->presence(aliceId).state, Client::PresenceState::Online);
    QTest::qWait(600);
    QCOMPARE(bobLater->presence(aliceId).state, Client::PresenceState::Online);

    // The setting itself is kept.
    Ui::AppSettings elsewhere = Ui::AppSettings::load();
    elsewhere.localServer = false; // an account on another computer's server
    QVERIFY(elsewhere.save());
    Ui::SettingsDialog settings(&window);
    QVERIFY(settings.serverGroup()->isHidden()); // no server on this computer
    settings.awayBox()->setValue(15);
    settings.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QCOMPARE(Ui::AppSettings::load().awayAfterMinutes, 15);
}

void TestMainWindow::digestEmailIsSetInSettingsWhenTheServerSendsThem()
{
    m_emailDigests = true;
    startServer();
    m_emailDigests = false;
    auto alice = coreClient(QStringLiteral("alice"));
    QVERIFY(alice);
    QVERIFY(alice->serverSendsEmail());
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openSettings();
    Ui::SettingsDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<Ui::SettingsDialog *>()) && dialog->isVisible());
    QVERIFY(dialog->emailDigestBox()->isVisible());
    QVERIFY(!dialog->emailDigestBox()->isChecked());
    QVERIFY(!dialog->emailEdit()->isEnabled()); // until ticked
    dialog->emailDigestBox()->setChecked(true);
    QVERIFY(dialog->emailEdit()->isEnabled());
    QTest::keyClicks(dialog->emailEdit(), QStringLiteral("alice at example"));
    auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    ok->click();
    QVERIFY(dialog->isVisible()); // not an address: said, and the dialog stays
    QCOMPARE(dialog->errorText(),
             Ui::SettingsDialog::tr(
                 "Enter an email address like you@example.org, or turn the email off."));
    QVERIFY(alice->notificationPrefs().digestEmail.isEmpty());
    dialog->emailEdit()->setText(QStringLiteral(" alice@example.org "));
    ok->click();
    QTRY_VERIFY(window.findChildren<Ui::SettingsDialog *>().isEmpty());
    QCOMPARE(alice->notificationPrefs().digestEmail, QStringLiteral("alice@example.org"));
    QVERIFY(alice->notificationPrefs().emailDigest);
    QTRY_VERIFY(alice->notificationPrefs().version > 0); // the server took it

    // Another device of hers has it; turned off there, the address stays for next time.
    auto phone = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("alice-phone")));
    phone->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    phone->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE_WITH_TIMEOUT(phone->notificationPrefs().digestEmail,
                              QStringLiteral("alice@example.org"), 10'000);
    Ui::SettingsDialog there(nullptr, {}, phone->notificationPrefs(), phone->serverSendsEmail());
    QVERIFY(there.emailDigestBox()->isChecked());
    there.emailDigestBox()->setChecked(false);
    QVERIFY(!there.notificationPrefs().emailDigest);
    QCOMPARE(there.notificationPrefs().digestEmail, QStringLiteral("alice@example.org"));

    // A server that sends no email: not offered.
    Ui::SettingsDialog plain(nullptr, {}, alice->notificationPrefs(), false);
    QVERIFY(plain.emailDigestBox()->isHidden());
    QVERIFY(plain.emailEdit()->isHidden());
    QVERIFY(plain.notificationPrefs().emailDigest); // untouched
}

void TestMainWindow::aNewLanguageOffersARestart()
{
    auto alice = coreClient(QStringLiteral("alice"));
    QVERIFY(alice);
    Ui::AppSettings settings = Ui::AppSettings::load();
    settings.language = QStringLiteral("en");
    QVERIFY(settings.save());
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy restart(&window, &Ui::MainWindow::restartRequested);

    // Another setting: no question asked.
    window.openSettings();
    auto *dialog = window.findChild<Ui::SettingsDialog *>();
    QVERIFY(dialog);
    dialog->awayBox()->setValue(7);
    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_VERIFY(window.findChildren<Ui::SettingsDialog *>().isEmpty()); // closed and gone
    QVERIFY(!window.findChild<QMessageBox *>(QStringLiteral("restartPrompt")));

    // Chinese: Confab offers to restart, and "Restart now" asks main() for it.
    window.openSettings();
    QVERIFY((dialog = window.findChild<Ui::SettingsDialog *>()));
    dialog->languageBox()->setCurrentIndex(
        dialog->languageBox()->findData(QStringLiteral("zh_CN")));
    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QCOMPARE(Ui::AppSettings::load().language, QStringLiteral("zh_CN"));
    QMessageBox *prompt = nullptr;
    QTRY_VERIFY((prompt = window.findChild<QMessageBox *>(QStringLiteral("restartPrompt"))));
    QCOMPARE(restart.size(), 0);
    prompt->defaultButton()->click();
    QCOMPARE(restart.size(), 1);
    settings.language.clear();
    QVERIFY(settings.save());
}

void TestMainWindow::findInThisChat()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    // 120 messages; "needle" in three, the oldest beyond the first page of the view.
    for (int i = 0; i < 120; ++i) {
        const bool needle = i == 3 || i == 60 || i == 110;
        QVERIFY(bob->sendMessageTo(QStringLiteral("alice"),
                                   needle ? QStringLiteral("the needle %1").arg(i)
                                          : QStringLiteral("hay %1").arg(i))
                    .isOk());
    }
    QTRY_COMPARE_WITH_TIMEOUT(alice->cache()->messageCount(), qint64(120), 20'000);
    // Elsewhere too, which find in this chat must not show.
    auto carol = coreClient(QStringLiteral("carol"));
    QVERIFY(carol
            && carol->sendMessageTo(QStringLiteral("alice"), QStringLiteral("needle")).isOk());
    QTRY_COMPARE(alice->cache()->messageCount(), qint64(121));
    quint64 withBob = 0;
    QTRY_VERIFY([&] {
        for (const auto &c : alice->cache()->conversations().value())
            for (const auto &m : c.members)
                if (m.username == QLatin1String("bob"))
                    withBob = c.conversationId;
        return withBob != 0;
    }());

    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openConversation(withBob);
    QTRY_VERIFY(!window.isSettling());
    window.openFind();
    QVERIFY(window.findField()->isVisible());
    QVERIFY(window.findField()->hasFocus());
    QTest::keyClicks(window.findField(), QStringLiteral("needle"));
    QTRY_COMPARE(window.findStatus()->text(), Ui::MainWindow::tr("%1 of %2").arg(1).arg(3));
    const quint64 newest = window.foundSeq();
    QVERIFY(window.messageModel()->rowOfSeq(newest) >= 0);
    QVERIFY(window.messageModel()
                ->index(window.messageModel()->rowOfSeq(newest))
                .data(MessageListModel::TextRole)
                .toString()
                .contains(QStringLiteral("needle 110")));
    QTest::keyClick(window.findField(), Qt::Key_Return); // older
    QTest::keyClick(window.findField(), Qt::Key_Return); // the oldest: loaded into the view
    QCOMPARE(window.findStatus()->text(), Ui::MainWindow::tr("%1 of %2").arg(3).arg(3));
    const int row = window.messageModel()->rowOfSeq(window.foundSeq());
    QVERIFY(row >= 0);
    QVERIFY(window.messageModel()
                ->index(row)
                .data(MessageListModel::TextRole)
                .toString()
                .contains(QStringLiteral("needle 3")));
    QTest::keyClick(window.findField(), Qt::Key_Escape);
    QTRY_VERIFY(!window.findField()->isVisible());
    QCOMPARE(window.foundSeq(), quint64(0));
}

void TestMainWindow::replyEditDeleteAndReactFromTheChat()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("helo **world**")).isOk());
    quint64 conversation = 0;
    QTRY_VERIFY([&] {
        const auto list = alice->cache()->conversations().value();
        if (list.isEmpty() || list.first().members.size() != 2)
            return false;
        conversation = list.first().conversationId;
        return true;
    }());
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openConversation(conversation);
    QTRY_VERIFY(!window.isSettling());
    MessageListModel *model = window.messageModel();
    QCOMPARE(model->rowCount(), 1);
    const Client::ChatMessage bobs = model->messageAt(0);

    // Reply: the bar says to what (without the Markdown), the message carries it.
    window.replyTo(bobs);
    QVERIFY(window.replyBar()->isVisible());
    QCOMPARE(window.replyBarLabel()->text(), QStringLiteral("Replying to bob: helo world"));
    QTest::keyClicks(window.composer(), QStringLiteral("hi @b"));
    // @ offers the members; Tab takes the first.
    QTRY_VERIFY(window.composer()->mentionCompleter()->popup()->isVisible());
    QTest::keyClick(window.composer()->mentionCompleter()->popup(), Qt::Key_Tab);
    QCOMPARE(window.composer()->toPlainText(), QStringLiteral("hi @bob "));
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QVERIFY(!window.replyBar()->isVisible());
    QTRY_COMPARE(model->rowCount(), 2);
    quint64 replyId = 0;
    QTRY_VERIFY((replyId = model->messageAt(1).messageId) != 0);
    QTRY_VERIFY(bob->cache()->messageById(replyId).isOk());
    const Client::ChatMessage reply = bob->cache()->messageById(replyId).value();
    QCOMPARE(reply.replyToId, bobs.messageId);
    QCOMPARE(reply.mentions, QList<quint64> { bob->currentUser().userId });

    // Up in the empty composer edits the last own message; Esc gives the draft back.
    QTest::keyClicks(window.composer(), QStringLiteral("a draft"));
    window.composer()->clear();
    QTest::keyClick(window.composer(), Qt::Key_Up);
    QCOMPARE(window.editing().messageId, replyId);
    QCOMPARE(window.composer()->toPlainText(), QStringLiteral("hi @bob"));
    QTest::keyClick(window.composer(), Qt::Key_Escape);
    QCOMPARE(window.editing().messageId, 0u);
    QVERIFY(!window.replyBar()->isVisible());
    QTest::keyClick(window.composer(), Qt::Key_Up);
    window.composer()->selectAll();
    QTest::keyClicks(window.composer(), QStringLiteral("hi @bob, lunch?"));
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QTRY_COMPARE(bob->cache()->messageById(replyId).value().text,
                 QStringLiteral("hi @bob, lunch?"));
    QVERIFY(bob->cache()->messageById(replyId).value().editedMs != 0);
    QVERIFY(model->index(1).data(MessageListModel::EditedRole).toBool());

    // A reaction, then a click on its chip under the bubble takes it back.
    window.toggleReaction(model->messageAt(0), QStringLiteral("👍"));
    QTRY_COMPARE(bob->cache()->messageById(bobs.messageId).value().reactions.size(), 1);
    QCOMPARE(model->index(0).data(MessageListModel::ReactionsRole).toList().size(), 1);
    QTRY_VERIFY(window.messageView()->visualRect(model->index(0)).height() > 0);
    const QRect row = window.messageView()->visualRect(model->index(0));
    // The chip: the first under the (left-hand) bubble, at the row's bottom.
    QTest::mouseClick(window.messageView()->viewport(), Qt::LeftButton, {},
                      QPoint(row.left() + 22, row.bottom() - 8));
    QTRY_VERIFY(bob->cache()->messageById(bobs.messageId).value().reactions.isEmpty());

    // Jumping to the quoted message marks it; deleting (without asking, here) reaches bob.
    window.jumpToMessage(bobs.messageId);
    window.deleteMessage(model->messageAt(1), false);
    QTRY_VERIFY(bob->cache()->messageById(replyId).value().deleted);
    QTRY_VERIFY(model->index(1).data(MessageListModel::DeletedRole).toBool());
    QVERIFY(alice->search(QStringLiteral("lunch")).value().isEmpty());
}

void TestMainWindow::filesAreAttachedSentShownAndOpened()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("send me the plan")).isOk());
    quint64 conversation = 0;
    QTRY_VERIFY([&] {
        const auto list = alice->cache()->conversations().value();
        if (list.isEmpty() || list.first().members.size() != 2)
            return false;
        conversation = list.first().conversationId;
        return true;
    }());
    Ui::MainWindow window(alice.get());
    QStringList opened;
    window.setFileOpener([&](const QString &path) { opened.append(path); });
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openConversation(conversation);
    QTRY_VERIFY(!window.isSettling());
    MessageListModel *model = window.messageModel();

    // Alice attaches a document with the button's path, drops a photo, pastes a screenshot.
    QTemporaryDir files;
    const QString plan = files.filePath(QStringLiteral("plan.txt"));
    {
        QFile file(plan);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(70'000, 'p'));
    }
    QImage photoImage(640, 480, QImage::Format_RGB32);
    photoImage.fill(QColor(0x25, 0x63, 0xeb));
    QPainter(&photoImage).fillRect(0, 0, 320, 480, QColor(0xf5, 0x9e, 0x0b));
    const QString photo = files.filePath(QStringLiteral("photo.png"));
    QVERIFY(photoImage.save(photo));
    window.attachFiles({ plan });
    QVERIFY(window.attachBar()->isVisible());
    QWidget *chat = window.composer()->parentWidget();
    QMimeData dropped;
    dropped.setUrls({ QUrl::fromLocalFile(photo) });
    QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &dropped, Qt::LeftButton, {});
    QApplication::sendEvent(chat, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &dropped, Qt::LeftButton, {});
    QApplication::sendEvent(chat, &drop);
    QCOMPARE(window.pendingFiles().size(), 2);
    QGuiApplication::clipboard()->setImage(photoImage.scaled(100, 75));
    window.composer()->paste();
    QCOMPARE(window.pendingFiles().size(), 3);
    QVERIFY(window.composer()->toPlainText().isEmpty()); // nothing went into the text
    QVERIFY(window.pendingFiles().at(2).path.endsWith(QLatin1String(".png")));
    // The chips above the composer: one per file; a click takes one out.
    const auto chips = window.attachBar()->findChildren<QToolButton *>();
    QCOMPARE(chips.size(), 3);
    QVERIFY(chips.at(0)->text().contains(QStringLiteral("plan.txt")));
    chips.at(2)->click();
    QCOMPARE(window.pendingFiles().size(), 2);
    QCOMPARE(window.attachBar()->findChildren<QToolButton *>().size(), 2);
    // The photo has its thumbnail; Enter sends even with no text.
    QVERIFY(!window.pendingFiles().at(1).thumbnail.isEmpty());
    QTest::keyClick(window.composer(), Qt::Key_Return);
    QVERIFY(window.pendingFiles().isEmpty());
    QVERIFY(!window.attachBar()->isVisible());
    QTRY_COMPARE(model->rowCount(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(model->messageAt(1).messageId != 0, 15'000);
    const quint64 sentId = model->messageAt(1).messageId;
    QTRY_VERIFY(bob->cache()->messageById(sentId).isOk());
    const auto atBob = bob->cache()->messageById(sentId).value();
    QCOMPARE(atBob.attachments.size(), 2);
    QCOMPARE(atBob.attachments.at(0).name, QStringLiteral("plan.txt"));
    QCOMPARE(atBob.attachments.at(1).width, 640);
    QVERIFY(!atBob.attachments.at(1).thumbnail.isEmpty());

    // Bob answers with a photo and a document; alice's chat shows the photo inline.
    QImage bobsImage(300, 600, QImage::Format_RGB32);
    bobsImage.fill(QColor(0x05, 0x96, 0x69));
    const QString bobsPhoto = files.filePath(QStringLiteral("tall.png"));
    QVERIFY(bobsImage.save(bobsPhoto));
    const QString bobsDoc = files.filePath(QStringLiteral("answer.pdf"));
    {
        QFile file(bobsDoc);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(50'000, 'a'));
    }
    QVERIFY(bob->sendFiles(conversation, QStringLiteral("here"),
                           { Ui::prepareFile(bobsPhoto), Ui::prepareFile(bobsDoc) })
                .isOk());
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, 15'000);
    const QModelIndex bobs = model->index(2);
    const QVariantList shown = bobs.data(MessageListModel::AttachmentsRole).toList();
    QCOMPARE(shown.size(), 2);
    QVERIFY(!shown.at(0).toMap().value(QStringLiteral("thumbnail")).toByteArray().isEmpty());
    QVERIFY(shown.at(1).toMap().value(QStringLiteral("localPath")).toString().isEmpty());
    // The row is as tall as the inline image needs (300x600 shown within 260 px).
    window.messageView()->scrollToBottom();
    QTRY_VERIFY(window.messageView()->visualRect(bobs).height() > 260);

    // A click on the document downloads it, then opens it.
    const QRect row = window.messageView()->visualRect(bobs);
    const int left = row.left() + 12 + 9; // the bubble's margin and padding
    // The document's row sits under the image: find it by clicking down the bubble's left side.
    int documentY = -1;
    for (int y = row.top() + 280; y < row.bottom() && documentY < 0; y += 4) {
        QTest::mouseClick(window.messageView()->viewport(), Qt::LeftButton, {},
                          QPoint(left + 20, y));
        if (alice->isDownloading(shown.at(1).toMap().value(QStringLiteral("id")).toULongLong())
            || !opened.isEmpty())
            documentY = y;
    }
    QVERIFY(documentY > 0);
    QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 15'000);
    QFile got(opened.first());
    QVERIFY(got.open(QIODevice::ReadOnly));
    QCOMPARE(got.readAll(), QByteArray(50'000, 'a'));
    QTRY_VERIFY(!bobs.data(MessageListModel::AttachmentsRole)
                     .toList()
                     .at(1)
                     .toMap()
                     .value(QStringLiteral("localPath"))
                     .toString()
                     .isEmpty());
    // A click on the image downloads it and shows it in the viewer, upright and whole.
    QTest::mouseClick(window.messageView()->viewport(), Qt::LeftButton, {},
                      QPoint(left + 40, row.top() + 60));
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<Ui::ImageViewer *>(QStringLiteral("imageViewer")),
                             15'000);
    auto *viewer = window.findChild<Ui::ImageViewer *>(QStringLiteral("imageViewer"));
    QCOMPARE(viewer->imageSize(), QSize(300, 600));
    QCOMPARE(viewer->windowTitle(), QStringLiteral("tall.png"));
    viewer->close();
    QCOMPARE(opened.size(), 1); // images open in the app, not outside

    // Save As copies the received file where the user says.
    const QString saved = files.filePath(QStringLiteral("copy.pdf"));
    window.saveAttachmentAs(model->messageAt(2), 1, saved);
    QFile copy(saved);
    QVERIFY(copy.open(QIODevice::ReadOnly));
    QCOMPARE(copy.readAll(), QByteArray(50'000, 'a'));

    // A script is opened only when the user says so; a "photo" that is not one never leaves
    // the app's viewer (the system might run it).
    const QString script = files.filePath(QStringLiteral("invoice.sh"));
    const QString fake = files.filePath(QStringLiteral("cute.jpg"));
    for (const QString &path : { script, fake }) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\necho gotcha\n");
    }
    Client::OutgoingFile disguised = Ui::prepareFile(fake);
    disguised.mimeType = QStringLiteral("image/jpeg");
    disguised.thumbnail = Ui::makeThumbnail(photoImage);
    QVERIFY(bob->sendFiles(conversation, {}, { Ui::prepareFile(script), disguised }).isOk());
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 4, 15'000);
    QTRY_VERIFY(model->messageAt(3).attachments.size() == 2);
    const int openedBefore = int(opened.size());
    auto answerPrompt = [&](const QString &button) {
        QTimer::singleShot(50, this, [&window, button] {
            auto *prompt = window.findChild<QMessageBox *>(QStringLiteral("unsafeFilePrompt"));
            QVERIFY(prompt);
            for (QAbstractButton *b : prompt->buttons())
                if (prompt->buttonRole(b) == QMessageBox::RejectRole && button == u"cancel")
                    return b->click();
                else if (b->text() == button)
                    return b->click();
        });
    };
    bool asked = false;
    QString answer = QStringLiteral("cancel");
    QTimer poll;
    connect(&poll, &QTimer::timeout, this, [&] {
        if (!asked && window.findChild<QMessageBox *>(QStringLiteral("unsafeFilePrompt"))) {
            asked = true;
            answerPrompt(answer);
        }
    });
    poll.start(20);
    window.openAttachment(model->messageAt(3), 0);
    QTRY_VERIFY_WITH_TIMEOUT(asked, 15'000);
    QTRY_VERIFY(!window.findChild<QMessageBox *>(QStringLiteral("unsafeFilePrompt")));
    QCOMPARE(opened.size(), openedBefore); // cancelled: not opened
    // Asked again (it is downloaded now), "Open Anyway" opens it.
    asked = false;
    answer = Ui::MainWindow::tr("Open Anyway");
    window.openAttachment(model->messageAt(3), 0);
    QTRY_COMPARE(opened.size(), openedBefore + 1);
    poll.stop();
    // The disguised one: the viewer says it cannot show it, and nothing else opens it.
    window.openAttachment(model->messageAt(3), 1);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto viewers = window.findChildren<Ui::ImageViewer *>();
            return std::any_of(viewers.cbegin(), viewers.cend(),
                               [](auto *v) { return v->isVisible() && !v->hasImage(); });
        }(),
        15'000);
    QCOMPARE(opened.size(), openedBefore + 1);
}

void TestMainWindow::chatNotificationModesFollowTheUserAcrossDevices()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    auto phone = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("alice-phone")));
    phone->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    phone->setBackoff(20, 200);
    phone->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
    QTRY_COMPARE(phone->state(), ChatClient::State::Online);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("hi")).isOk());
    quint64 conversation = 0;
    QTRY_VERIFY([&] {
        const auto list = alice->cache()->conversations().value();
        if (list.isEmpty())
            return false;
        conversation = list.first().conversationId;
        return true;
    }());
    Ui::MainWindow window(alice.get());

    // Muted for an hour on the laptop: the phone knows, with the same end.
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    window.setNotifyMode(conversation, int(Client::NotifyMode::Muted), 3600 * 1000);
    QCOMPARE(window.notifyModes().value(conversation), int(Client::NotifyMode::Muted));
    QTRY_COMPARE(phone->notificationPrefs().conversations.value(conversation).mode,
                 Client::NotifyMode::Muted);
    const qint64 until = phone->notificationPrefs().conversations.value(conversation).mutedUntilMs;
    QVERIFY(until >= before + 3600 * 1000 && until <= before + 3600 * 1000 + 60'000);
    // Mentions only from the phone: the laptop's chat list follows, live.
    phone->setConversationNotify(conversation, Client::NotifyMode::MentionsOnly);
    QTRY_COMPARE(window.notifyModes().value(conversation), int(Client::NotifyMode::MentionsOnly));
}

void TestMainWindow::disappearingMessagesFromTheChatMenu()
{
    auto alice = coreClient(QStringLiteral("alice"));
    auto bob = coreClient(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QVERIFY(bob->sendMessageTo(QStringLiteral("alice"), QStringLiteral("hi")).isOk());
    QTRY_COMPARE(alice->cache()->conversations().value().size(), 1);
    const quint64 chat = alice->cache()->conversations().value().first().conversationId;
    Ui::MainWindow window(alice.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openConversation(chat);
    QVERIFY(window.chatMenuButton()->isVisible());
    QVERIFY(!window.retentionIndicator()->isVisible()); // no limit: nothing to say
    auto retentionAction = [](Ui::MainWindow &in) -> QAction * {
        QMenu *menu = in.chatMenu();
        Q_EMIT menu->aboutToShow(); // filled as it opens
        for (QAction *action : menu->actions())
            if (action->text() == Ui::MainWindow::tr("Disappearing messages…"))
                return action;
        return nullptr;
    };
    QAction *action = retentionAction(window);
    QVERIFY(action && action->isEnabled()); // either member of a direct chat

    // One week: the setting goes to the server, the chat says so, the header shows it.
    Ui::RetentionDialog dialog(alice.get(), chat, &window);
    dialog.show();
    QVERIFY(!dialog.saveButton()->isEnabled()); // nothing changed yet
    QCOMPARE(dialog.chosenDays(), 0);
    QVERIFY(dialog.choose(7));
    QVERIFY(dialog.saveButton()->isEnabled());
    dialog.saveButton()->click();
    QTRY_VERIFY(!dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(alice->cache()->conversation(chat).value().retentionDays, 7);
    QTRY_VERIFY(window.retentionIndicator()->isVisible());
    QVERIFY(window.retentionIndicator()->text().contains(
        Ui::MainWindow::tr("Messages disappear after %1").arg(MessageListModel::retentionText(7))));
    QTRY_COMPARE(window.messageModel()->rowCount(), 2);
    QCOMPARE(window.messageModel()->index(1).data(MessageListModel::EventTextRole).toString(),
             MessageListModel::tr("%1 set messages to disappear after %2")
                 .arg(MessageListModel::tr("You"), MessageListModel::retentionText(7)));

    // In a group, a plain member sees the setting but may not change it, and is told why.
    QSignalSpy created(alice.get(), &ChatClient::groupChanged);
    alice->createGroup(QStringLiteral("team"), { QStringLiteral("bob") });
    QTRY_VERIFY(!created.isEmpty());
    const quint64 group = created.last().first().toULongLong();
    QTRY_VERIFY(bob->cache()->conversation(group).isOk());
    Ui::MainWindow bobsWindow(bob.get());
    bobsWindow.show();
    bobsWindow.openConversation(group);
    action = retentionAction(bobsWindow);
    QVERIFY(action && !action->isEnabled());
    QCOMPARE(action->toolTip(),
             ChatClient::tr("Only the group's owner and admins can change this."));
    Ui::GroupInfoDialog info(bob.get(), group, &bobsWindow);
    for (QPushButton *button : info.findChildren<QPushButton *>())
        if (button->text() == Ui::GroupInfoDialog::tr("Disappearing messages…"))
            QVERIFY(!button->isEnabled());
    Ui::RetentionDialog readOnly(bob.get(), group, &bobsWindow);
    QVERIFY(readOnly.saveButton()->isHidden());
    for (QRadioButton *choice : readOnly.findChildren<QRadioButton *>())
        QVERIFY(!choice->isEnabled());
    QVERIFY(!readOnly.choose(7));
    QCOMPARE(readOnly.statusLabel()->text(),
             ChatClient::tr("Only the group's owner and admins can change this."));
    // The owner's menu offers it.
    window.openConversation(group);
    action = retentionAction(window);
    QVERIFY(action && action->isEnabled());
}

QTEST_MAIN(TestMainWindow)
void TestMainWindow::certificateIsCheckedBeforeSigningIn()
{
    const auto first = TestCertificate::make(m_dir->path(), QStringLiteral("first"));
    const auto second = TestCertificate::make(m_dir->path(), QStringLiteral("second"));
    QVERIFY(first && second);
    startServer(true, &*first);

    ChatClient erin(m_dir->filePath(QStringLiteral("erin-app")));
    erin.setBackoff(20, 200);
    {
        Ui::LoginDialog login(&erin);
        login.show();
        QVERIFY(QTest::qWaitForWindowExposed(&login));
        // No scheme: plain WebSocket fails against a TLS-only server, and wss:// is tried.
        login.serverField()->setText(QStringLiteral("127.0.0.1:%1").arg(m_port));
        login.usernameField()->setText(QStringLiteral("erin"));
        login.passwordField()->setText(QStringLiteral("password123"));
        QTest::mouseClick(login.registerButton(), Qt::LeftButton);

        // The prompt shows the fingerprint openssl computed; Cancel is the default.
        Ui::CertificatePrompt *prompt = nullptr;
        QTRY_VERIFY((prompt = login.findChild<Ui::CertificatePrompt *>()) && prompt->isVisible());
        QCOMPARE(prompt->fingerprintLabel()->text().remove(u'\n'), first->fingerprint);
        QCOMPARE(prompt->certificate().server.scheme(), QStringLiteral("wss"));
        QVERIFY(!prompt->trustButton()->isDefault());
        prompt->reject();
        QTRY_COMPARE(login.errorText(),
                     Ui::LoginDialog::tr("Not connected: the server's certificate was not "
                                         "trusted."));
        QVERIFY(login.registerButton()->isEnabled());
        QCOMPARE(erin.state(), ChatClient::State::Disconnected);

        // Asked again, trusted this time: signed up.
        QSignalSpy accepted(&login, &QDialog::accepted);
        QTest::mouseClick(login.registerButton(), Qt::LeftButton);
        QTRY_VERIFY((prompt = login.findChild<Ui::CertificatePrompt *>()) && prompt->isVisible());
        QTest::mouseClick(prompt->trustButton(), Qt::LeftButton);
        QVERIFY(accepted.wait(10'000));
        QCOMPARE(erin.serverUrl().scheme(), QStringLiteral("wss")); // remembered as such
    }

    // The server comes back with another certificate: the main window warns, and stays offline.
    Ui::MainWindow window(&erin);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_COMPARE(erin.state(), ChatClient::State::Online);
    startServer(true, &*second);
    Ui::CertificatePrompt *prompt = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (prompt = window.findChild<Ui::CertificatePrompt *>()) && prompt->isVisible(), 10'000);
    QCOMPARE(prompt->windowTitle(), Ui::CertificatePrompt::tr("Certificate Changed"));
    QCOMPARE(prompt->certificate().trustedFingerprint, first->fingerprint);
    QCOMPARE(prompt->fingerprintLabel()->text().remove(u'\n'), second->fingerprint);
    prompt->reject();
    QTRY_COMPARE(window.bannerLabel()->text(),
                 Ui::MainWindow::tr("Not connected: the server's certificate has changed"));
    QVERIFY(!window.bannerButton()->isHidden());
    QCOMPARE(window.bannerButton()->text(), Ui::MainWindow::tr("Check Certificate…"));
    QCOMPARE(erin.state(), ChatClient::State::Disconnected);

    // The banner's button asks again; trusting the new one reconnects.
    QTest::mouseClick(window.bannerButton(), Qt::LeftButton);
    QTRY_VERIFY((prompt = window.findChild<Ui::CertificatePrompt *>()) && prompt->isVisible());
    QTest::mouseClick(prompt->trustButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(erin.state(), ChatClient::State::Online, 10'000);
    QTRY_VERIFY(window.banner()->isHidden());
}

void TestMainWindow::accountDialogSignsOutDevicesAndChangesThePassword()
{
    auto laptop = coreClient(QStringLiteral("alice")); // registers alice
    QVERIFY(laptop);
    auto signedIn = [this](const QString &device) {
        auto client = std::make_unique<ChatClient>(m_dir->filePath(device));
        client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
        client->setBackoff(20, 200);
        client->signIn(QStringLiteral("alice"), QStringLiteral("password123"));
        if (!QTest::qWaitFor([&] { return client->state() == ChatClient::State::Online; }, 10'000))
            return std::unique_ptr<ChatClient>();
        return client;
    };
    auto phone = signedIn(QStringLiteral("alice-phone"));
    auto tablet = signedIn(QStringLiteral("alice-tablet"));
    QVERIFY(phone && tablet);
    QSignalSpy phoneOut(phone.get(), &ChatClient::authenticationFailed);
    QSignalSpy tabletOut(tablet.get(), &ChatClient::authenticationFailed);

    Ui::MainWindow window(laptop.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.openSettings();
    Ui::SettingsDialog *settings = nullptr;
    QTRY_VERIFY((settings = window.findChild<Ui::SettingsDialog *>()) && settings->isVisible());
    QTest::mouseClick(settings->accountButton(), Qt::LeftButton);
    Ui::AccountDialog *account = nullptr;
    QTRY_VERIFY((account = settings->findChild<Ui::AccountDialog *>()) && account->isVisible());

    // Three devices, this one first and marked; it cannot sign itself out from the list.
    QTreeWidget *devices = account->deviceList();
    QTRY_COMPARE(devices->topLevelItemCount(), 3);
    // Named as the device names itself: the computer and its system, then the app.
    const QString thisDevice = devices->topLevelItem(0)->text(0);
    QVERIFY2(thisDevice.startsWith(QSysInfo::machineHostName() + QLatin1String(" ("))
                 && devices->topLevelItem(0)->text(1).contains(QLatin1String(kVersion))
                 && devices->topLevelItem(0)->font(0).bold(),
             qPrintable(thisDevice));
    QCOMPARE(devices->topLevelItem(0)->text(2), Ui::AccountDialog::tr("This device"));
    QCOMPARE(devices->topLevelItem(1)->text(2), Ui::AccountDialog::tr("Online now"));
    devices->setCurrentItem(devices->topLevelItem(0));
    QVERIFY(!account->signOutDeviceButton()->isEnabled());

    // Signing the second one out ends that device's session at once.
    devices->setCurrentItem(devices->topLevelItem(1));
    QVERIFY(account->signOutDeviceButton()->isEnabled());
    QTest::mouseClick(account->signOutDeviceButton(), Qt::LeftButton);
    QTRY_COMPARE(devices->topLevelItemCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(phoneOut.size() + tabletOut.size(), 1, 10'000);
    ChatClient *const gone = phoneOut.isEmpty() ? tablet.get() : phone.get();
    ChatClient *const left = phoneOut.isEmpty() ? phone.get() : tablet.get();
    QCOMPARE(gone->state(), ChatClient::State::Disconnected);
    QCOMPARE(left->state(), ChatClient::State::Online);

    // The password: a wrong current one is refused in the dialog; the right one signs out the
    // remaining other device, and this one stays.
    QTest::mouseClick(account->changePasswordButton(), Qt::LeftButton);
    Ui::ChangePasswordDialog *change = nullptr;
    QTRY_VERIFY((change = account->findChild<Ui::ChangePasswordDialog *>()) && change->isVisible());
    change->currentField()->setText(QStringLiteral("not-my-password"));
    change->newField()->setText(QStringLiteral("brand-new-pass"));
    change->repeatField()->setText(QStringLiteral("brand-new-pass"));
    QTest::mouseClick(change->changeButton(), Qt::LeftButton);
    QTRY_COMPARE(change->errorText(), ChatClient::tr("The current password is wrong."));
    QVERIFY(account->statusText() != change->errorText()); // said once, where it was asked
    change->currentField()->setText(QStringLiteral("password123"));
    change->repeatField()->setText(QStringLiteral("brand-new-past"));
    QTest::mouseClick(change->changeButton(), Qt::LeftButton);
    QCOMPARE(change->errorText(), Ui::ChangePasswordDialog::tr("The two new passwords differ."));
    change->repeatField()->setText(QStringLiteral("brand-new-pass"));
    QSignalSpy changed(change, &QDialog::accepted);
    QTest::mouseClick(change->changeButton(), Qt::LeftButton);
    QVERIFY(changed.wait(10'000));
    QTRY_COMPARE(account->statusText(),
                 Ui::AccountDialog::tr("Password changed. Every other device was signed out."));
    QTRY_COMPARE_WITH_TIMEOUT(phoneOut.size() + tabletOut.size(), 2, 10'000);
    QCOMPARE(left->state(), ChatClient::State::Disconnected);
    QTRY_COMPARE(devices->topLevelItemCount(), 1);
    QCOMPARE(laptop->state(), ChatClient::State::Online);
    auto withNew = std::make_unique<ChatClient>(m_dir->filePath(QStringLiteral("alice-new")));
    withNew->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)));
    withNew->signIn(QStringLiteral("alice"), QStringLiteral("brand-new-pass")); // elsewhere
    QTRY_COMPARE_WITH_TIMEOUT(withNew->state(), ChatClient::State::Online, 10'000);
}

#include "tst_mainwindow.moc"
