// Renders Confab's main screens with sample data into PNGs (for the README, and for a person to
// look at). Starts a real server core on 127.0.0.1 and real clients; nothing is mocked.
//   confab-screenshots OUTPUT_DIR [LANGUAGE]     e.g. "en" or "zh_CN"
#include "accountdialog.h"
#include "app/server.h"
#include "attachments.h"
#include "certificateprompt.h"
#include "chatclient.h"
#include "composer.h"
#include "conversationlistmodel.h"
#include "groupdialogs.h"
#include "localcache.h"
#include "localserver.h"
#include "logindialog.h"
#include "mainwindow.h"
#include "retentiondialog.h"
#include "settingsdialog.h"

#include <translations.h>

#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QSslError>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

#include <cstdio>

using namespace Confab;

namespace {

std::unique_ptr<Client::ChatClient> signUp(const QString &dir, quint16 port, const QString &name,
                                           const QString &shown)
{
    auto client = std::make_unique<Client::ChatClient>(dir + u'/' + name);
    client->setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
    client->registerAccount(name, QStringLiteral("password123"), shown);
    if (!QTest::qWaitFor([&] { return client->state() == Client::ChatClient::State::Online; },
                         10'000))
        qFatal("cannot sign up %s", qPrintable(name));
    return client;
}

void settle(Client::ChatClient &client)
{
    static_cast<void>(
        QTest::qWaitFor([&] { return client.cache()->outbox().value().isEmpty(); }, 10'000));
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ConfabScreenshots"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral(".");
    const QString language = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("en");
    QDir().mkpath(out);
    const bool chinese = language.startsWith(QLatin1String("zh"));
    QLocale::setDefault(QLocale(language));
    installTranslations(QLocale(language));
    if (!Auth::initCrypto())
        return 1;

    QTemporaryDir dir;
    ServerConfig config;
    config.port = 0;
    config.dataDir = dir.filePath(QStringLiteral("server"));
    config.hashCost = Auth::HashCost::minimum();
    config.limits.ratePerSecond = 1000;
    config.userRatePerSecond = 0; // per account: TestServer::accountRateLimitSpansDevices
    config.limits.rateBurst = 1000;
    Server server(config);
    if (!server.start())
        return 1;
    const quint16 port = server.port();

    auto alice = signUp(dir.path(), port, QStringLiteral("alice"),
                        chinese ? QStringLiteral("李爱丽") : QStringLiteral("Alice Liddell"));
    auto bob = signUp(dir.path(), port, QStringLiteral("bob"),
                      chinese ? QStringLiteral("王博") : QStringLiteral("Bob Marley"));
    auto carol = signUp(dir.path(), port, QStringLiteral("carol"),
                        chinese ? QStringLiteral("陈卡萝") : QStringLiteral("Carol Danvers"));
    auto dave = signUp(dir.path(), port, QStringLiteral("dave"),
                       chinese ? QStringLiteral("张大伟") : QStringLiteral("Dave Grohl"));

    const QStringList bobLines = chinese
        ? QStringList { QStringLiteral("早上好！发布的构建准备好了吗？"),
                        QStringLiteral("差不多了，还在跑最后一轮测试。"),
                        QStringLiteral("好的。服务器那边我已经升级到 0.1.0 了。"),
                        QStringLiteral("太好了 👍 测试全部通过，我现在就发布。"),
                        QStringLiteral("中午一起吃饭？") }
        : QStringList {
              QStringLiteral("Morning! Is the release build ready?"),
              QStringLiteral("Almost, the last test run is going."),
              QStringLiteral(
                  "Great. I upgraded the server to 0.1.0 already, it came back up in a second."),
              QStringLiteral("All green 👍 Tagging the release now."),
              QStringLiteral("Lunch at noon?")
          };
    for (int i = 0; i < bobLines.size(); ++i) {
        auto &from = i % 2 == 0 ? bob : alice;
        static_cast<void>(from->sendMessageTo(
            i % 2 == 0 ? QStringLiteral("alice") : QStringLiteral("bob"), bobLines.at(i)));
        settle(*from);
    }
    static_cast<void>(
        carol->sendMessageTo(QStringLiteral("alice"),
                             chinese ? QStringLiteral("周末的照片我发给你了")
                                     : QStringLiteral("Sent you the photos from the weekend")));
    settle(*carol);
    static_cast<void>(dave->sendMessageTo(QStringLiteral("alice"),
                                          chinese ? QStringLiteral("明天开会吗？")
                                                  : QStringLiteral("Are we meeting tomorrow?")));
    static_cast<void>(dave->sendMessageTo(QStringLiteral("alice"),
                                          chinese ? QStringLiteral("十点可以吗")
                                                  : QStringLiteral("10:00 works for me")));
    settle(*dave);

    // Alice's window, as she sees it: the conversation with Bob open, one message still going out.
    static_cast<void>(QTest::qWaitFor(
        [&] { return alice->cache()->conversations().value().size() == 3; }, 10'000));
    Ui::MainWindow window(alice.get());
    window.resize(1000, 640);
    window.show();
    const quint64 withBob = [&] {
        for (const auto &c : alice->cache()->conversations().value())
            for (const auto &m : c.members)
                if (m.username == QLatin1String("bob"))
                    return c.conversationId;
        return quint64(0);
    }();
    // Bob has read everything: Alice's messages show blue ticks, and he is online.
    bob->markRead(withBob, alice->cache()->conversation(withBob).value().lastSeq);
    window.openConversation(withBob);
    QTest::qWait(
        800); // let the views lay out and paint: this program takes pictures, it tests nothing
    window.grab().save(out + QStringLiteral("/main-%1.png").arg(language));

    // A group: first the dialog that makes one, then the chat.
    {
        Ui::CreateGroupDialog create(alice.get(), &window);
        create.findChildren<QLineEdit *>().at(0)->setText(chinese ? QStringLiteral("发布小组")
                                                                  : QStringLiteral("Release team"));
        for (int row = 0; row < create.peopleList()->count(); ++row) {
            const QString name = create.peopleList()->item(row)->data(Qt::UserRole).toString();
            if (name == QLatin1String("bob") || name == QLatin1String("carol"))
                create.peopleList()->item(row)->setCheckState(Qt::Checked);
        }
        create.show();
        QTest::qWait(200);
        create.grab().save(out + QStringLiteral("/newgroup-%1.png").arg(language));
    }
    // Changes as lines, names above messages, "read by" ticks, someone typing.
    quint64 group = 0;
    QObject::connect(alice.get(), &Client::ChatClient::groupChanged,
                     [&group](quint64 id) { group = group ? group : id; });
    alice->createGroup(chinese ? QStringLiteral("发布小组") : QStringLiteral("Release team"),
                       { QStringLiteral("bob"), QStringLiteral("carol") });
    static_cast<void>(QTest::qWaitFor([&] { return group != 0; }, 10'000));
    static_cast<void>(
        QTest::qWaitFor([&] { return carol->cache()->conversation(group).isOk(); }, 10'000));
    const QStringList groupLines = chinese
        ? QStringList { QStringLiteral("0.2 的发布说明我写好了"), QStringLiteral("我来看一下"),
                        QStringLiteral("周五发布怎么样？") }
        : QStringList { QStringLiteral("Release notes for 0.2 are drafted"),
                        QStringLiteral("I'll review them after lunch"),
                        QStringLiteral("Ship on Friday?") };
    static_cast<void>(bob->sendMessage(group, groupLines.at(0)));
    settle(*bob);
    static_cast<void>(carol->sendMessage(group, groupLines.at(1)));
    static_cast<void>(carol->sendMessage(
        group,
        QStringLiteral("https://git.example.org/confab/releases/v0.2.0/"
                       "notes-draft-2026-11-23-review-comments-from-carol-and-bob.md")));
    settle(*carol);
    alice->addMembers(group, { QStringLiteral("dave") });
    QTest::qWait(300);
    static_cast<void>(alice->sendMessage(group, groupLines.at(2)));
    settle(*alice);
    QTest::qWait(300);
    const quint64 groupLast = alice->cache()->conversation(group).value().lastSeq;
    bob->markRead(group, groupLast);
    carol->markRead(group, groupLast);
    window.openConversation(group);
    QTest::qWait(900);
    bob->notifyTyping(group);
    QTest::qWait(400);
    window.grab().save(out + QStringLiteral("/group-%1.png").arg(language));

    // Rich messages: reactions, a reply with Markdown and a mention, an edit, a delete, and
    // Alice about to reply.
    {
        auto newest = [&](Client::ChatClient &client, quint64 senderId, const QString &text) {
            const auto page = client.cache()->messages(group, 0, 50).value();
            for (auto it = page.crbegin(); it != page.crend(); ++it)
                if (it->senderId == senderId && (text.isEmpty() || it->text == text))
                    return *it;
            return Client::ChatMessage {};
        };
        const quint64 aliceId = alice->currentUser().userId;
        const quint64 bobId = bob->currentUser().userId;
        const Client::ChatMessage ship = newest(*bob, aliceId, groupLines.at(2));
        static_cast<void>(bob->react(ship, QStringLiteral("👍")));
        static_cast<void>(
            carol->react(newest(*carol, aliceId, groupLines.at(2)), QStringLiteral("👍")));
        static_cast<void>(
            carol->react(newest(*carol, aliceId, groupLines.at(2)), QStringLiteral("🎉")));
        static_cast<void>(bob->editMessage(newest(*bob, bobId, groupLines.at(0)),
                                           chinese
                                               ? QStringLiteral("0.2 的发布说明已经写好了")
                                               : QStringLiteral("Release notes for 0.2 are drafted "
                                                                "and linked below")));
        settle(*bob);
        settle(*carol);
        static_cast<void>(carol->sendMessage(
            group,
            chinese ? QStringLiteral("**看过了**，第二节有个 `typo` —— @alice 你能改一下吗？")
                    : QStringLiteral("**Looks good**, one `typo` in section 2. @alice can you fix "
                                     "it before _Friday_?"),
            newest(*carol, bobId, {})));
        settle(*carol);
        const Client::ChatMessage oops = [&] {
            auto sent = dave->sendMessage(
                group, chinese ? QStringLiteral("发错群了") : QStringLiteral("wrong chat, sorry"));
            settle(*dave);
            return dave->cache()->message(sent.value().clientId).value();
        }();
        static_cast<void>(dave->deleteMessage(oops));
        settle(*dave);
        QTest::qWait(600);
        window.openConversation(withBob);
        window.openConversation(group);
        QTest::qWait(600);
        window.replyTo(newest(*alice, carol->currentUser().userId, {}));
        window.composer()->setPlainText(chinese ? QStringLiteral("好的，马上改 @b")
                                                : QStringLiteral("Sure, on it @b"));
        window.composer()->moveCursor(QTextCursor::End);
        QTest::qWait(600);
        window.grab().save(out + QStringLiteral("/rich-%1.png").arg(language));
        window.composer()->clear();
        window.cancelReplyOrEdit();
    }
    {
        // Files: a photo inline, a document as a row, one image downloaded and shown sharp, and
        // files waiting above the composer.
        auto picture = [&](const QString &name, QSize size, QColor from, QColor to) {
            QImage image(size, QImage::Format_RGB32);
            QPainter painter(&image);
            QLinearGradient sky(0, 0, 0, size.height());
            sky.setColorAt(0, from);
            sky.setColorAt(1, to);
            painter.fillRect(image.rect(), sky);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(Qt::NoPen);
            painter.setBrush(QColor(255, 236, 179));
            painter.drawEllipse(QPoint(size.width() * 3 / 4, size.height() / 4), size.height() / 8,
                                size.height() / 8);
            painter.setBrush(QColor(30, 64, 60));
            QPolygon hills;
            hills << QPoint(0, size.height()) << QPoint(0, size.height() * 2 / 3)
                  << QPoint(size.width() / 3, size.height() / 2)
                  << QPoint(size.width() * 2 / 3, size.height() * 3 / 4)
                  << QPoint(size.width(), size.height() * 3 / 5)
                  << QPoint(size.width(), size.height());
            painter.drawPolygon(hills);
            painter.end();
            const QString path = dir.filePath(name);
            image.save(path);
            return path;
        };
        const QString photo = picture(QStringLiteral("offsite.jpg"), QSize(1600, 1000),
                                      QColor(0x38, 0xbd, 0xf8), QColor(0xf9, 0xa8, 0xd4));
        const QString notes = dir.filePath(chinese ? QStringLiteral("发布说明-0.2.pdf")
                                                   : QStringLiteral("release-notes-0.2.pdf"));
        {
            QFile file(notes);
            if (file.open(QIODevice::WriteOnly))
                file.write(QByteArray(1'250'000, 'n'));
        }
        static_cast<void>(bob->sendFiles(group,
                                         chinese ? QStringLiteral("团建的照片和发布说明")
                                                 : QStringLiteral("Photos from the offsite, and "
                                                                  "the notes"),
                                         { Ui::prepareFile(photo), Ui::prepareFile(notes) }));
        settle(*bob);
        QTest::qWait(600);
        const QString mine = picture(QStringLiteral("whiteboard.png"), QSize(900, 1200),
                                     QColor(0xfd, 0xe6, 0x8a), QColor(0x86, 0xef, 0xac));
        window.openConversation(group);
        window.attachFiles({ mine, notes });
        QTest::qWait(300);
        window.messageView()->scrollToBottom();
        // The photo, downloaded: shown from the file itself.
        const auto page = alice->cache()->messages(group, 0, 50).value();
        if (!page.isEmpty() && !page.last().attachments.isEmpty()) {
            const auto file = page.last().attachments.first();
            alice->download(file, alice->downloadPath(file));
            QTest::qWait(1500);
        }
        window.messageView()->scrollToBottom();
        QTest::qWait(300);
        window.grab().save(out + QStringLiteral("/files-%1.png").arg(language));
        while (!window.pendingFiles().isEmpty())
            window.removePendingFile(0);
        // A large file on its way up (a sparse file: nothing to write), then cancelled.
        const QString big = dir.filePath(QStringLiteral("backup-2026-11.tar"));
        {
            QFile file(big);
            if (file.open(QIODevice::WriteOnly))
                file.resize(200ll << 20);
        }
        window.attachFiles({ big });
        window.composer()->setPlainText(chinese ? QStringLiteral("服务器备份")
                                                : QStringLiteral("The server backup"));
        QTest::keyClick(window.composer(), Qt::Key_Return);
        QTest::qWait(500);
        window.messageView()->scrollToBottom();
        QTest::qWait(100);
        window.grab().save(out + QStringLiteral("/upload-%1.png").arg(language));
        const auto outbox = alice->cache()->outbox().value();
        for (const auto &pending : outbox)
            static_cast<void>(alice->discard(pending.clientId));
    }
    {
        Ui::GroupInfoDialog info(alice.get(), group, &window);
        info.show();
        info.memberList()->setCurrentRow(1);
        QTest::qWait(200);
        info.grab().save(out + QStringLiteral("/groupinfo-%1.png").arg(language));
    }
    window.openConversation(withBob);
    {
        // A chat's notification menu, with its mute submenu open (the chat muted for an hour).
        window.setNotifyMode(withBob, int(Client::NotifyMode::Muted), 3600 * 1000);
        QTimer::singleShot(400, &window, [&] {
            if (auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget())) {
                const auto actions = menu->actions();
                for (QAction *action : actions)
                    if (action->menu())
                        menu->setActiveAction(action);
            }
        });
        QTimer::singleShot(1200, &window, [&] {
            QWidget *sub = QApplication::activePopupWidget();
            QWidget *top = nullptr;
            for (QWidget *w : QApplication::topLevelWidgets())
                if (qobject_cast<QMenu *>(w) && w->isVisible() && w != sub)
                    top = w;
            if (top && sub) {
                QImage shot(top->width() + sub->width() + 8,
                            std::max(top->height(), sub->height() + (sub->y() - top->y())),
                            QImage::Format_ARGB32);
                shot.fill(Qt::transparent);
                QPainter painter(&shot);
                painter.drawPixmap(0, 0, top->grab());
                painter.drawPixmap(sub->x() - top->x(), sub->y() - top->y(), sub->grab());
                painter.end();
                shot.save(out + QStringLiteral("/mute-menu-%1.png").arg(language));
            }
            while (QApplication::activePopupWidget())
                QApplication::activePopupWidget()->close();
        });
        const int row = window.conversationModel()->rowOf(withBob);
        const QRect rect =
            window.conversationView()->visualRect(window.conversationModel()->index(row));
        Q_EMIT window.conversationView()->customContextMenuRequested(rect.center());
        window.setNotifyMode(withBob, int(Client::NotifyMode::All));
    }
    {
        // Disappearing messages in the chat with Carol: the notice, the header, the chat's menu
        // and the setting.
        const quint64 withCarol = [&] {
            for (const auto &c : alice->cache()->conversations().value())
                for (const auto &m : c.members)
                    if (!c.isGroup && m.username == QLatin1String("carol"))
                        return c.conversationId;
            return quint64(0);
        }();
        bool set = false;
        const auto connection =
            QObject::connect(alice.get(), &Client::ChatClient::groupChanged,
                             [&set, withCarol](quint64 id) { set = set || id == withCarol; });
        window.openConversation(withCarol);
        alice->setRetention(withCarol, 7);
        static_cast<void>(QTest::qWaitFor([&] { return set; }, 10'000));
        QObject::disconnect(connection);
        static_cast<void>(carol->sendMessage(
            withCarol,
            chinese ? QStringLiteral("好主意，这些照片不用一直留着")
                    : QStringLiteral("Good idea, no need to keep those photos around")));
        settle(*carol);
        QTest::qWait(600);
        window.grab().save(out + QStringLiteral("/retention-%1.png").arg(language));

        QTimer::singleShot(400, &window, [&] {
            if (QWidget *popup = QApplication::activePopupWidget()) {
                popup->grab().save(out + QStringLiteral("/chat-menu-%1.png").arg(language));
                popup->close();
            }
        });
        window.chatMenuButton()->click();

        Ui::RetentionDialog dialog(alice.get(), withCarol, &window);
        dialog.show();
        QTest::qWait(200);
        dialog.grab().save(out + QStringLiteral("/retention-dialog-%1.png").arg(language));
    }
    {
        // On a server that deletes everything after 90 days itself: what it allows, and says.
        QTemporaryDir limitedDir;
        ServerConfig limitedConfig = config;
        limitedConfig.dataDir = limitedDir.filePath(QStringLiteral("server"));
        limitedConfig.retentionMs = 90ll * 24 * 3600 * 1000;
        Server limited(limitedConfig);
        if (limited.start()) {
            auto erin = signUp(limitedDir.path(), limited.port(), QStringLiteral("erin"),
                               chinese ? QStringLiteral("刘艾琳") : QStringLiteral("Erin Hunt"));
            auto frank = signUp(limitedDir.path(), limited.port(), QStringLiteral("frank"),
                                chinese ? QStringLiteral("赵帆") : QStringLiteral("Frank Ocean"));
            static_cast<void>(erin->sendMessageTo(QStringLiteral("frank"), QStringLiteral("👋")));
            settle(*erin);
            static_cast<void>(QTest::qWaitFor(
                [&] { return !erin->cache()->conversations().value().isEmpty(); }, 10'000));
            Ui::RetentionDialog dialog(
                erin.get(), erin->cache()->conversations().value().first().conversationId, &window);
            dialog.show();
            QTest::qWait(200);
            dialog.grab().save(out + QStringLiteral("/retention-limit-%1.png").arg(language));
        }
    }
    window.openConversation(withBob);
    // Find in this chat.
    window.openFind();
    window.findField()->setText(chinese ? QStringLiteral("测试") : QStringLiteral("release"));
    QTest::qWait(500);
    window.grab().save(out + QStringLiteral("/find-%1.png").arg(language));
    window.closeFind();
    Ui::applyTheme(Ui::AppSettings::Theme::Dark);
    QTest::qWait(200);
    window.grab().save(out + QStringLiteral("/dark-%1.png").arg(language));
    Ui::applyTheme(Ui::AppSettings::Theme::System);
    {
        // As for an account on a server this computer runs, so its section shows too.
        Ui::AppSettings local = Ui::AppSettings::load();
        local.localServer = true;
        local.localServerAllowOthers = true;
        local.localServerKeepRunning = true;
        static_cast<void>(local.save());
        // With digest emails, as from a server that sends them.
        Client::NotificationPrefs prefs = alice->notificationPrefs();
        prefs.digestEmail = QStringLiteral("alice@example.org");
        Ui::SettingsDialog settings(
            &window,
            Ui::MainWindow::tr("%1 on %2")
                .arg(QStringLiteral("alice"), QStringLiteral("127.0.0.1:7700")),
            prefs, true);
        settings.show();
        QTest::qWait(200);
        settings.grab().save(out + QStringLiteral("/settings-%1.png").arg(language));
        local.localServer = false;
        static_cast<void>(local.save());
    }

    {
        // The account's devices: this one, and a second one signed in.
        Client::ChatClient second(dir.filePath(QStringLiteral("alice-second")));
        second.setServerUrl(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port)));
        second.signIn(QStringLiteral("alice"), QStringLiteral("password123"));
        static_cast<void>(QTest::qWaitFor(
            [&] { return second.state() == Client::ChatClient::State::Online; }, 10'000));
        Ui::AccountDialog account(alice.get(), &window);
        account.show();
        static_cast<void>(QTest::qWaitFor(
            [&] { return account.deviceList()->topLevelItemCount() == 2; }, 10'000));
        QTest::qWait(200);
        account.grab().save(out + QStringLiteral("/account-%1.png").arg(language));
    }

    // Offline: the banner, and a message waiting in the outbox.
    server.shutdown();
    static_cast<void>(QTest::qWaitFor(
        [&] { return alice->state() != Client::ChatClient::State::Online; }, 10'000));
    static_cast<void>(alice->sendMessage(withBob,
                                         chinese
                                             ? QStringLiteral("我在地铁上，信号不好")
                                             : QStringLiteral("On the train, the signal is bad")));
    QTest::qWait(300);
    window.grab().save(out + QStringLiteral("/offline-%1.png").arg(language));

    // The first-run dialog.
    Client::ChatClient fresh(dir.filePath(QStringLiteral("fresh")));
    Client::LocalServer local(dir.filePath(QStringLiteral("local")));
    Ui::LoginDialog login(&fresh, &local);
    login.usernameField()->setText(QStringLiteral("alice"));
    login.show();
    QTest::qWait(200);
    login.grab().save(out + QStringLiteral("/login-%1.png").arg(language));

    // A self-signed server certificate, first seen; then a different one from the same server.
    Client::CertificateInfo certificate;
    certificate.server = QUrl(QStringLiteral("wss://chat.lan:7700"));
    certificate.fingerprint = QStringLiteral(
        "3F:A1:9C:07:D2:5B:E8:41:6C:90:2D:B7:55:0E:F3:18:A4:7D:C9:62:1B:8E:F0:35:D6:29:4A:BC:"
        "07:93:E1:5F");
    certificate.subject = QStringLiteral("chat.lan");
    certificate.issuer = QStringLiteral("chat.lan");
    certificate.expiry = QDateTime(QDate(2029, 2, 25), QTime(12, 0));
    certificate.problems = { QSslError(QSslError::SelfSignedCertificate).errorString() };
    for (const bool changed : { false, true }) {
        if (changed)
            certificate.trustedFingerprint = QStringLiteral(
                "C2:08:7E:B1:44:F9:13:6A:DD:50:9B:E2:37:C4:8F:01:6E:A3:B8:2C:F5:1D:90:47:"
                "E6:3B:A0:C8:52:7F:19:D4");
        Ui::CertificatePrompt prompt(certificate);
        prompt.show();
        QTest::qWait(200);
        prompt.grab().save(
            out
            + QStringLiteral("/%1-%2.png")
                  .arg(QLatin1String(changed ? "certificate-changed" : "certificate"), language));
    }
    std::printf("screenshots in %s\n", qPrintable(out));
    return 0;
}
