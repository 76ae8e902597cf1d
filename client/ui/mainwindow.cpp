#include "mainwindow.h"

#include "accountdialog.h"
#include "appicon.h"
#include "attachments.h"
#include "certificateprompt.h"
#include "composer.h"
#include "conversationdelegate.h"
#include "conversationlistmodel.h"
#include "groupdialogs.h"
#include "imageviewer.h"
#include "localcache.h"
#include "messagedelegate.h"
#include "messagelistmodel.h"
#include "retentiondialog.h"
#include "richtext.h"
#include "searchdialog.h"
#include "settingsdialog.h"

#include <confab/logging.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedLayout>
#include <QStandardPaths>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace Confab::Ui {

using Client::ChatClient;
using Client::ConversationListModel;
using Client::MessageListModel;

MainWindow::MainWindow(ChatClient *client, QWidget *parent) : QMainWindow(parent), m_client(client)
{
    setWindowTitle(tr("Confab"));
    setWindowIcon(applicationIcon());
    m_conversationModel = new ConversationListModel(client, this);
    // Per-chat modes are the user's, kept by the server (PROTOCOL.md §15). (Before, this device
    // meant to keep its own in a "notify_modes" setting, but a map cannot be stored in the
    // cache's settings table, so there is nothing to carry over.)
    refreshNotifyModes();
    connect(client, &ChatClient::notificationPrefsChanged, this, [this] {
        refreshNotifyModes();
        if (m_conversations)
            m_conversations->viewport()->update();
    });
    buildUi();

    connect(client, &ChatClient::stateChanged, this, &MainWindow::updateBanner);
    connect(client, &ChatClient::certificateNeedsTrust, this, &MainWindow::askAboutCertificate);
    connect(client, &ChatClient::authenticationFailed, this, &MainWindow::onSignedOut);
    connect(client, &ChatClient::conversationsChanged, this, &MainWindow::onConversationsChanged);
    connect(&m_bannerTimer, &QTimer::timeout, this, &MainWindow::updateBanner);
    m_bannerTimer.setInterval(500);
    updateBanner();

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    const quint64 last = settings.value(QStringLiteral("window/conversation")).toULongLong();
    if (last && m_conversationModel->rowOf(last) >= 0)
        openConversation(last);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi()
{
    // Left: who is talking.
    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->setSpacing(0);
    auto *top = new QHBoxLayout;
    top->setContentsMargins(12, 8, 8, 8);
    auto *me = new QLabel(m_client->currentUser().displayName.isEmpty()
                              ? m_client->currentUser().username
                              : m_client->currentUser().displayName,
                          left);
    QFont bold = me->font();
    bold.setBold(true);
    me->setFont(bold);
    auto *settingsButton = new QPushButton(tr("Settings"), left);
    settingsButton->setToolTip(tr("Settings (Ctrl+,)"));
    connect(settingsButton, &QPushButton::clicked, this, &MainWindow::openSettings);
    auto *newChat = new QPushButton(tr("New chat"), left);
    newChat->setToolTip(tr("Start a conversation (Ctrl+N)"));
    connect(newChat, &QPushButton::clicked, this, &MainWindow::newChat);
    top->addWidget(me, 1);
    top->addWidget(settingsButton);
    top->addWidget(newChat);
    leftLayout->addLayout(top);
    m_conversations = new QListView(left);
    m_conversations->setAccessibleName(tr("Conversations"));
    m_conversations->setModel(m_conversationModel);
    auto *conversationDelegate = new ConversationDelegate(m_conversations);
    conversationDelegate->setNotifyModes(&m_notifyModes);
    m_conversations->setItemDelegate(conversationDelegate);
    m_conversations->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_conversations, &QWidget::customContextMenuRequested, this,
            &MainWindow::onConversationContextMenu);
    m_conversations->setFrameShape(QFrame::NoFrame);
    m_conversations->setMouseTracking(true);
    m_conversations->setUniformItemSizes(true);
    m_conversations->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    connect(m_conversations->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    openConversation(
                        current.data(ConversationListModel::ConversationIdRole).toULongLong());
            });
    leftLayout->addWidget(m_conversations, 1);

    // Right: the connection banner (whether or not a chat is open), then the open conversation.
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->setSpacing(0);
    auto *pages = new QWidget(right);
    auto *stack = new QStackedLayout(pages);
    m_empty = new QLabel(tr("Select a chat, or start a new one with Ctrl+N."), right);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setEnabled(false);
    stack->addWidget(m_empty);
    m_chat = new QWidget(right);
    auto *chatLayout = new QVBoxLayout(m_chat);
    chatLayout->setContentsMargins(0, 0, 0, 0);
    chatLayout->setSpacing(0);
    auto *headerRow = new QHBoxLayout;
    headerRow->setContentsMargins(14, 8, 10, 8);
    auto *header = new QVBoxLayout;
    header->setSpacing(0);
    m_title = new QLabel(m_chat);
    m_title->setFont(bold);
    m_subtitle = new QLabel(m_chat);
    m_subtitle->setEnabled(false);
    header->addWidget(m_title);
    header->addWidget(m_subtitle);
    headerRow->addLayout(header, 1);
    // While the chat's messages disappear after a while: how long, in a quiet colour.
    m_retention = new QToolButton(m_chat);
    m_retention->setAutoRaise(true);
    m_retention->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_retention->setVisible(false);
    quietRetentionIndicator();
    connect(m_retention, &QToolButton::clicked, this, [this] { openRetention(m_conversationId); });
    headerRow->addWidget(m_retention, 0, Qt::AlignVCenter);
    m_groupInfo = new QPushButton(tr("Group info"), m_chat);
    m_groupInfo->setFlat(true);
    m_groupInfo->setVisible(false);
    connect(m_groupInfo, &QPushButton::clicked, this, &MainWindow::openGroupInfo);
    headerRow->addWidget(m_groupInfo, 0, Qt::AlignVCenter);
    m_chatMenu = new QToolButton(m_chat);
    m_chatMenu->setText(QStringLiteral("⋯"));
    m_chatMenu->setAutoRaise(true);
    m_chatMenu->setToolTip(tr("More for this chat"));
    m_chatMenu->setAccessibleName(tr("Chat menu"));
    {
        QFont larger = m_chatMenu->font();
        larger.setPointSizeF(larger.pointSizeF() * 1.4);
        m_chatMenu->setFont(larger);
    }
    // Opened by hand rather than as the button's menu, which would draw an arrow beside the ⋯.
    m_chatMenuPopup = new QMenu(m_chatMenu);
    m_chatMenuPopup->setToolTipsVisible(true); // why an entry is off
    connect(m_chatMenuPopup, &QMenu::aboutToShow, this, [this] { fillChatMenu(m_chatMenuPopup); });
    connect(m_chatMenu, &QToolButton::clicked, this, [this] {
        m_chatMenuPopup->exec(m_chatMenu->mapToGlobal(QPoint(0, m_chatMenu->height())));
    });
    headerRow->addWidget(m_chatMenu, 0, Qt::AlignVCenter);
    chatLayout->addLayout(headerRow);

    m_banner = new QFrame(right);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setStyleSheet(
        QStringLiteral("#banner { background: #fef3c7; } #banner QLabel { color: #78350f; } "
                       "#banner QPushButton { color: #92400e; font-weight: 600; border: none; "
                       "padding: 2px 6px; } #banner QPushButton:hover { color: #451a03; }"));
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(14, 4, 8, 4);
    m_bannerText = new QLabel(m_banner);
    m_retry = new QPushButton(tr("Retry now"), m_banner);
    m_retry->setFlat(true);
    connect(m_retry, &QPushButton::clicked, this, [this] {
        if (auto certificate = m_client->untrustedCertificate())
            askAboutCertificate(*certificate);
        else
            m_client->reconnectNow();
    });
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addWidget(m_retry);
    rightLayout->addWidget(m_banner);
    rightLayout->addWidget(pages, 1);

    // Find in this chat (Ctrl+F).
    m_findBar = new QFrame(m_chat);
    m_findBar->setObjectName(QStringLiteral("findBar"));
    auto *findLayout = new QHBoxLayout(m_findBar);
    findLayout->setContentsMargins(10, 4, 10, 4);
    m_findField = new QLineEdit(m_findBar);
    m_findField->setPlaceholderText(tr("Find in this chat"));
    m_findField->setClearButtonEnabled(true);
    m_findStatus = new QLabel(m_findBar);
    m_findStatus->setEnabled(false);
    auto *older = new QPushButton(tr("Older"), m_findBar);
    auto *newer = new QPushButton(tr("Newer"), m_findBar);
    auto *closeFind = new QPushButton(tr("Close"), m_findBar);
    older->setToolTip(tr("Older match (Enter)"));
    newer->setToolTip(tr("Newer match (Shift+Enter)"));
    for (QPushButton *button : { older, newer, closeFind })
        button->setFlat(true);
    findLayout->addWidget(m_findField, 1);
    findLayout->addWidget(m_findStatus);
    findLayout->addWidget(older);
    findLayout->addWidget(newer);
    findLayout->addWidget(closeFind);
    m_findBar->setVisible(false);
    chatLayout->addWidget(m_findBar);
    m_findTimer.setSingleShot(true);
    m_findTimer.setInterval(150);
    connect(&m_findTimer, &QTimer::timeout, this, &MainWindow::runFind);
    connect(m_findField, &QLineEdit::textChanged, &m_findTimer, qOverload<>(&QTimer::start));
    connect(m_findField, &QLineEdit::returnPressed, this, [this] {
        if (m_findTimer.isActive()) { // typed and pressed Enter at once: search first
            m_findTimer.stop();
            runFind();
            return;
        }
        showFound(QApplication::keyboardModifiers() & Qt::ShiftModifier ? -1 : 1);
    });
    connect(older, &QPushButton::clicked, this, [this] { showFound(1); });
    connect(newer, &QPushButton::clicked, this, [this] { showFound(-1); });
    connect(closeFind, &QPushButton::clicked, this, &MainWindow::closeFind);
    auto *escape = new QShortcut(QKeySequence(Qt::Key_Escape), m_findBar);
    escape->setContext(Qt::WidgetWithChildrenShortcut);
    connect(escape, &QShortcut::activated, this, &MainWindow::closeFind);

    m_messages = new QListView(m_chat);
    m_messages->setAccessibleName(tr("Messages"));
    auto *delegate = new MessageDelegate(m_messages);
    m_messages->setItemDelegate(delegate);
    connect(delegate, &MessageDelegate::quoteClicked, this, &MainWindow::jumpToMessage);
    connect(delegate, &MessageDelegate::reactionClicked, this,
            [this](const QModelIndex &index, const QString &emoji) {
                if (m_messageModel)
                    toggleReaction(m_messageModel->messageAt(index.row()), emoji);
            });
    connect(delegate, &MessageDelegate::attachmentClicked, this,
            [this](const QModelIndex &index, int position) {
                if (m_messageModel)
                    openAttachment(m_messageModel->messageAt(index.row()), position);
            });
    // Links open in the browser; nothing in a message is ever loaded by the app.
    connect(delegate, &MessageDelegate::linkClicked, this,
            [](const QUrl &url) { QDesktopServices::openUrl(url); });
    m_highlightTimer.setSingleShot(true);
    m_highlightTimer.setInterval(2000);
    connect(&m_highlightTimer, &QTimer::timeout, this, [this, delegate] {
        delegate->setHighlightedSeq(m_foundSeq);
        m_messages->viewport()->update();
    });
    m_messages->setFrameShape(QFrame::NoFrame);
    m_messages->setSelectionMode(QAbstractItemView::NoSelection);
    m_messages->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_messages->setResizeMode(QListView::Adjust);
    m_messages->setWordWrap(true);
    m_messages->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_messages, &QWidget::customContextMenuRequested, this,
            &MainWindow::onMessageContextMenu);
    connect(m_messages->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        if (!m_settling && value == m_messages->verticalScrollBar()->minimum() && m_messageModel
            && m_messageModel->canLoadOlder())
            loadOlderKeepingPosition();
    });
    chatLayout->addWidget(m_messages, 1);

    // Replying to or editing a message: what, and a way out.
    m_replyBar = new QFrame(m_chat);
    m_replyBar->setFrameShape(QFrame::StyledPanel);
    auto *replyLayout = new QHBoxLayout(m_replyBar);
    replyLayout->setContentsMargins(12, 4, 6, 4);
    m_replyLabel = new QLabel(m_replyBar);
    m_replyLabel->setTextFormat(Qt::PlainText);
    m_replyLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto *replyCancel = new QToolButton(m_replyBar);
    replyCancel->setText(QStringLiteral("✕"));
    replyCancel->setAutoRaise(true);
    replyCancel->setToolTip(tr("Cancel (Esc)"));
    replyCancel->setAccessibleName(tr("Cancel reply or edit"));
    connect(replyCancel, &QToolButton::clicked, this, &MainWindow::cancelReplyOrEdit);
    replyLayout->addWidget(m_replyLabel, 1);
    replyLayout->addWidget(replyCancel);
    m_replyBar->hide();
    chatLayout->addWidget(m_replyBar);
    m_replyBarTimer.setSingleShot(true);
    m_replyBarTimer.setInterval(6000);
    connect(&m_replyBarTimer, &QTimer::timeout, this, [this] {
        if (!m_replyTo.messageId && !m_editing.messageId)
            m_replyBar->hide();
    });
    connect(m_client, &ChatClient::messageChangeFailed, this, [this](const Confab::Error &error) {
        showReplyBar(tr("The change could not be made: %1").arg(userMessage(error.code)), false);
        m_replyBarTimer.start();
    });

    // Files that go with the next message, each with a way to take it out again.
    m_attachBar = new QFrame(m_chat);
    m_attachList = new QHBoxLayout(m_attachBar);
    m_attachList->setContentsMargins(10, 4, 10, 0);
    m_attachList->setSpacing(6);
    m_attachList->addStretch(1);
    m_attachBar->hide();
    chatLayout->addWidget(m_attachBar);
    m_chat->setAcceptDrops(true); // files dropped on the chat go with the next message
    m_chat->installEventFilter(this);

    auto *compose = new QHBoxLayout;
    compose->setContentsMargins(10, 6, 10, 10);
    m_attachButton = new QToolButton(m_chat);
    m_attachButton->setText(QStringLiteral("📎"));
    m_attachButton->setAutoRaise(true);
    {
        QFont larger = m_attachButton->font();
        larger.setPointSizeF(larger.pointSizeF() * 1.5);
        m_attachButton->setFont(larger);
    }
    m_attachButton->setToolTip(tr("Attach files (or drop them on the chat, or paste an image)"));
    m_attachButton->setAccessibleName(tr("Attach files"));
    connect(m_attachButton, &QToolButton::clicked, this, [this] {
        const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Attach Files"));
        if (!paths.isEmpty())
            attachFiles(paths);
    });
    m_composer = new Composer(m_chat);
    connect(m_composer, &Composer::filesOffered, this, &MainWindow::attachFiles);
    connect(m_composer, &Composer::imagePasted, this, &MainWindow::attachImage);
    connect(m_composer, &Composer::cancelRequested, this, &MainWindow::cancelReplyOrEdit);
    connect(m_composer, &Composer::editLastRequested, this, [this] {
        if (!m_messageModel)
            return;
        for (int row = m_messageModel->rowCount() - 1; row >= 0; --row) {
            const auto message = m_messageModel->messageAt(row);
            if (m_client->canEdit(message))
                return editMessage(message);
        }
    });
    m_sendButton = new QPushButton(tr("Send"), m_chat);
    m_sendButton->setAccessibleName(tr("Send message"));
    connect(m_composer, &Composer::sendRequested, this, &MainWindow::send);
    connect(m_sendButton, &QPushButton::clicked, this, [this] {
        const QString text = m_composer->toPlainText().trimmed();
        if (!text.isEmpty() || !m_pendingFiles.isEmpty()) {
            send(text);
            m_composer->clear();
        }
    });
    compose->addWidget(m_attachButton, 0, Qt::AlignBottom);
    compose->addWidget(m_composer, 1);
    compose->addWidget(m_sendButton, 0, Qt::AlignBottom);
    connect(m_client, &ChatClient::downloadFinished, this, &MainWindow::onDownloadFinished);
    connect(m_client, &ChatClient::downloadFailed, this,
            [this](quint64 attachmentId, const Confab::Error &error) {
                const auto file = m_openWhenDownloaded.take(attachmentId);
                m_saveWhenDownloaded.remove(attachmentId);
                showReplyBar(
                    tr("%1 could not be downloaded: %2")
                        .arg(file.name.isEmpty() ? tr("A file") : file.name,
                             error.message.isEmpty() ? userMessage(error.code) : error.message),
                    false);
                m_replyBarTimer.start();
            });
    chatLayout->addLayout(compose);
    stack->addWidget(m_chat);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 300, 600 });
    setCentralWidget(splitter);
    resize(980, 680);

    auto *newChatAction = new QAction(tr("New chat"), this);
    newChatAction->setShortcut(QKeySequence::New);
    connect(newChatAction, &QAction::triggered, this, &MainWindow::newChat);
    auto *newGroupAction = new QAction(tr("New group"), this);
    newGroupAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    connect(newGroupAction, &QAction::triggered, this, &MainWindow::newGroup);
    auto *next = new QAction(tr("Next chat"), this);
    next->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_Tab), QKeySequence(Qt::ALT | Qt::Key_Down) });
    connect(next, &QAction::triggered, this, [this] { selectRelative(1); });
    auto *previous = new QAction(tr("Previous chat"), this);
    previous->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Tab), QKeySequence(Qt::ALT | Qt::Key_Up) });
    connect(previous, &QAction::triggered, this, [this] { selectRelative(-1); });
    auto *search = new QAction(tr("Search messages"), this);
    search->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_K), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F) });
    connect(search, &QAction::triggered, this, &MainWindow::openSearch);
    auto *find = new QAction(tr("Find in this chat"), this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, &MainWindow::openFind);
    auto *preferences = new QAction(tr("Settings…"), this);
    preferences->setShortcuts(
        { QKeySequence::Preferences, QKeySequence(Qt::CTRL | Qt::Key_Comma) });
    connect(preferences, &QAction::triggered, this, &MainWindow::openSettings);
    auto *quit = new QAction(tr("Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, qApp, &QApplication::quit);
    addActions({ newChatAction, newGroupAction, next, previous, search, find, preferences, quit });

    // Typing, presence and read receipts.
    connect(m_composer, &QPlainTextEdit::textChanged, this, [this] {
        if (m_conversationId && !m_composer->toPlainText().trimmed().isEmpty())
            m_client->notifyTyping(m_conversationId);
    });
    connect(m_client, &ChatClient::typingChanged, this, [this](quint64 conversationId) {
        if (conversationId == m_conversationId)
            updateHeader();
    });
    connect(m_client, &ChatClient::presenceChanged, this, [this](quint64 userId) {
        if (userId == m_headerPeer) // the header shows one person's presence
            updateHeader();
    });
    connect(m_messages->verticalScrollBar(), &QScrollBar::valueChanged, this,
            &MainWindow::markShownAsRead);
    m_lastInputMs = QDateTime::currentMSecsSinceEpoch();
    qApp->installEventFilter(this);
    m_idleTimer.setInterval(15'000);
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (!m_client->isAway() && m_awayAfterMs > 0
            && QDateTime::currentMSecsSinceEpoch() - m_lastInputMs >= m_awayAfterMs)
            m_client->setAway(true);
    });
    m_idleTimer.start();
    const AppSettings settings = AppSettings::load();
    setAwayAfter(settings.awayAfterMinutes * 60 * 1000);
    m_languageInEffect = settings.language; // main() installs it before any window exists
    connect(this, &MainWindow::settingsApplied, this, [this](const AppSettings &settings) {
        setAwayAfter(settings.awayAfterMinutes * 60 * 1000);
    });

    m_draftTimer.setSingleShot(true);
    m_draftTimer.setInterval(1000);
    connect(&m_draftTimer, &QTimer::timeout, this, &MainWindow::saveDraft);
    connect(m_composer, &QPlainTextEdit::textChanged, &m_draftTimer, qOverload<>(&QTimer::start));
}

void MainWindow::setMessageModel(MessageListModel *model)
{
    if (m_messageModel)
        m_messageModel->deleteLater();
    m_messageModel = model;
    m_messages->setModel(model);
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int) {
                QScrollBar *bar = m_messages->verticalScrollBar();
                if (first == 0 && m_distanceFromBottom >= 0) {
                    // Older history went in above: keep what the user was reading where it was.
                    m_messages->doItemsLayout();
                    bar->setValue(bar->maximum() - m_distanceFromBottom);
                    m_distanceFromBottom = -1;
                    QTimer::singleShot(0, this, &MainWindow::fillViewport);
                } else if (bar->value() >= bar->maximum() - 40
                           || first == m_messageModel->rowCount() - 1) {
                    QTimer::singleShot(0, m_messages, &QListView::scrollToBottom);
                }
                QTimer::singleShot(0, this, &MainWindow::markShownAsRead);
            });
    // Until the view has settled at the newest message, scroll positions are not the user's.
    m_settling = true;
    m_messages->scrollToBottom();
    QTimer::singleShot(0, this, [this] {
        m_messages->scrollToBottom();
        m_settling = false;
        fillViewport();
        markShownAsRead();
    });
}

void MainWindow::setAwayAfter(int ms)
{
    m_awayAfterMs = ms;
    if (ms <= 0) { // never
        m_idleTimer.stop();
        if (m_client->isAway())
            m_client->setAway(false);
        return;
    }
    m_idleTimer.start(std::clamp(ms / 4, 50, 15'000)); // checked often enough
}

void MainWindow::markShownAsRead()
{
    if (!m_messageModel || !m_conversationId || m_settling || !isVisible() || !isActiveWindow())
        return;
    const QScrollBar *bar = m_messages->verticalScrollBar();
    if (bar->value() < bar->maximum() - 40)
        return; // reading further up: what is below has not been seen
    m_client->markRead(m_conversationId, m_messageModel->lastSeq());
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange && isActiveWindow())
        QTimer::singleShot(0, this, &MainWindow::markShownAsRead);
    if (event->type() == QEvent::PaletteChange && m_retention)
        quietRetentionIndicator(); // a new theme
    QMainWindow::changeEvent(event);
}

bool MainWindow::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_chat
        && (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove
            || event->type() == QEvent::Drop)) {
        auto *drop = static_cast<QDropEvent *>(event);
        QStringList paths;
        if (drop->mimeData()->hasUrls())
            for (const QUrl &url : drop->mimeData()->urls())
                if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
                    paths.append(url.toLocalFile());
        const bool takes = !paths.isEmpty() && m_attachButton->isEnabled();
        if (!takes) {
            event->ignore();
            return true;
        }
        drop->acceptProposedAction();
        if (event->type() == QEvent::Drop)
            attachFiles(paths);
        return true;
    }
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
        m_lastInputMs = QDateTime::currentMSecsSinceEpoch();
        if (m_client->isAway())
            m_client->setAway(false);
        break;
    default:
        break;
    }
    return QMainWindow::eventFilter(watched, event);
}

void MainWindow::openFind()
{
    if (!m_conversationId)
        return openSearch(); // no chat open: search them all
    m_findBar->setVisible(true);
    m_findField->setFocus();
    m_findField->selectAll();
}

void MainWindow::closeFind()
{
    m_findTimer.stop();
    m_findBar->setVisible(false);
    m_foundSeqs.clear();
    m_foundIndex = -1;
    m_foundSeq = 0;
    static_cast<MessageDelegate *>(m_messages->itemDelegate())->setHighlightedSeq(0);
    m_messages->viewport()->update();
    m_findField->clear();
    m_composer->setFocus();
}

void MainWindow::runFind()
{
    m_foundSeqs.clear();
    m_foundIndex = -1;
    const QString text = m_findField->text().trimmed();
    if (text.isEmpty() || !m_conversationId) {
        m_findStatus->clear();
        return;
    }
    auto hits = m_client->search(text, 500, m_conversationId);
    if (hits) {
        for (const auto &hit : hits.value())
            if (hit.seq != 0)
                m_foundSeqs.append(hit.seq);
        std::sort(m_foundSeqs.begin(), m_foundSeqs.end(), std::greater<>());
    }
    if (m_foundSeqs.isEmpty()) {
        m_findStatus->setText(tr("No matches"));
        return;
    }
    showFound(1);
}

void MainWindow::showFound(int step)
{
    if (m_foundSeqs.isEmpty())
        return;
    m_foundIndex = std::clamp(m_foundIndex + step, 0, int(m_foundSeqs.size()) - 1);
    m_foundSeq = m_foundSeqs.at(m_foundIndex);
    static_cast<MessageDelegate *>(m_messages->itemDelegate())->setHighlightedSeq(m_foundSeq);
    //: "3 of 12": the match shown, of all matches in this chat
    m_findStatus->setText(tr("%1 of %2").arg(m_foundIndex + 1).arg(m_foundSeqs.size()));
    showMessage(m_conversationId, m_foundSeq);
    m_messages->viewport()->update();
    m_findField->setFocus();
}

void MainWindow::newGroup()
{
    CreateGroupDialog dialog(m_client, this);
    if (dialog.exec() == QDialog::Accepted && dialog.createdConversation()) {
        m_conversationModel->refresh();
        openConversation(dialog.createdConversation());
    }
}

void MainWindow::openGroupInfo()
{
    if (!m_conversationId)
        return;
    GroupInfoDialog dialog(m_client, m_conversationId, this);
    dialog.exec();
}

void MainWindow::quietRetentionIndicator()
{
    // A remark, not a button to press: drawn in the colour of the header's second line.
    QPalette quiet = palette();
    quiet.setColor(QPalette::ButtonText, quiet.color(QPalette::PlaceholderText));
    m_retention->setPalette(quiet);
}

void MainWindow::openRetention(quint64 conversationId)
{
    if (!conversationId)
        return;
    RetentionDialog dialog(m_client, conversationId, this);
    dialog.exec();
}

void MainWindow::addRetentionAction(QMenu *menu, quint64 conversationId)
{
    QString reason;
    const bool allowed = m_client->canSetRetention(conversationId, &reason);
    QAction *action = menu->addAction(tr("Disappearing messages…"));
    // Someone who may not change it still sees what it is; the reason says why it is off.
    action->setEnabled(allowed);
    action->setToolTip(allowed ? tr("Delete this chat's messages for everyone after a while")
                               : reason);
    connect(action, &QAction::triggered, this,
            [this, conversationId] { openRetention(conversationId); });
}

void MainWindow::fillChatMenu(QMenu *menu)
{
    menu->clear();
    if (!m_conversationId)
        return;
    if (m_groupInfo->isVisible())
        connect(menu->addAction(tr("Group info…")), &QAction::triggered, this,
                &MainWindow::openGroupInfo);
    connect(menu->addAction(tr("Find in this chat")), &QAction::triggered, this,
            &MainWindow::openFind);
    menu->addSeparator();
    addRetentionAction(menu, m_conversationId);
}

void MainWindow::fillViewport()
{
    // A short page leaves no scroll bar to pull: fetch older history until the view is full.
    if (m_messageModel && m_messages->verticalScrollBar()->maximum() == 0
        && m_messageModel->canLoadOlder())
        loadOlderKeepingPosition();
}

void MainWindow::openConversation(quint64 conversationId)
{
    if (conversationId == m_conversationId && m_messageModel)
        return;
    saveDraft();
    if (m_findBar->isVisible())
        closeFind(); // it searched the chat being left
    m_replyTo = {};
    m_editing = {};
    m_replyBar->hide();
    // Files waiting to go stay with their conversation, as its draft does.
    if (m_conversationId && !m_pendingFiles.isEmpty())
        m_pendingFilesByConversation.insert(m_conversationId, m_pendingFiles);
    m_pendingFiles = m_pendingFilesByConversation.take(conversationId);
    m_conversationId = conversationId;
    m_pendingPeer.clear();
    updateAttachBar();
    setMessageModel(new MessageListModel(m_client, conversationId, this));
    // The draft of this conversation, as it was left (kept across restarts).
    m_composer->blockSignals(true);
    m_composer->setPlainText(
        m_client->cache()
            ? m_client->cache()->setting(QStringLiteral("draft/%1").arg(conversationId)).toString()
            : QString());
    m_composer->moveCursor(QTextCursor::End);
    m_composer->blockSignals(false);
    const int row = m_conversationModel->rowOf(conversationId);
    if (row >= 0 && m_conversations->currentIndex().row() != row)
        m_conversations->setCurrentIndex(m_conversationModel->index(row));
    static_cast<QStackedLayout *>(m_chat->parentWidget()->layout())->setCurrentWidget(m_chat);
    updateHeader();
    m_composer->setFocus();
}

void MainWindow::saveDraft()
{
    m_draftTimer.stop();
    // While editing a message, the composer holds that message, not the draft.
    if (m_conversationId && m_client->cache() && !m_editing.messageId)
        static_cast<void>(m_client->cache()->setSetting(
            QStringLiteral("draft/%1").arg(m_conversationId), m_composer->toPlainText()));
}

void MainWindow::showMessage(quint64 conversationId, quint64 seq)
{
    openConversation(conversationId);
    // Search hits are in the cache: load older pages (from it) until the message is in the view.
    for (int pages = 0; m_messageModel && m_messageModel->rowOfSeq(seq) < 0 && pages < 200;
         ++pages) {
        const int before = m_messageModel->rowCount();
        m_messageModel->loadOlder();
        if (m_messageModel->rowCount() == before)
            break; // the rest must come from the server; it will not be synchronous
    }
    const int row = m_messageModel ? m_messageModel->rowOfSeq(seq) : -1;
    if (row < 0)
        return;
    const QModelIndex index = m_messageModel->index(row);
    m_settling = true; // this position is chosen, not the bottom
    QTimer::singleShot(0, this, [this, index = QPersistentModelIndex(index)] {
        m_messages->scrollTo(index, QAbstractItemView::PositionAtCenter);
        m_settling = false;
    });
}

void MainWindow::openSettings()
{
    const QUrl server = m_client->serverUrl();
    const QString account =
        tr("%1 on %2")
            .arg(m_client->currentUser().username,
                 server.host()
                     + (server.port() > 0 ? QStringLiteral(":%1").arg(server.port()) : QString()));
    auto *dialog = new SettingsDialog(this, account, m_client->notificationPrefs(),
                                      m_client->serverSendsEmail());
    connect(dialog, &SettingsDialog::notificationPrefsChosen, m_client,
            &ChatClient::setNotificationPrefs);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::accountRequested, this,
            [this, dialog] { openAccount(dialog); });
    connect(dialog, &SettingsDialog::applied, this, &MainWindow::settingsApplied);
    connect(dialog, &SettingsDialog::applied, this, [this](const AppSettings &settings) {
        if (settings.language != m_languageInEffect)
            offerRestart();
    });
    dialog->open();
}

void MainWindow::openAccount(QWidget *over)
{
    auto *dialog = new AccountDialog(m_client, over ? over : this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AccountDialog::signOutRequested, this, [this] {
        m_client->signOut();
        Q_EMIT restartRequested(); // and the sign-in dialog comes up
    });
    dialog->open();
}

void MainWindow::onSignedOut(const Confab::Error &error)
{
    if (error.code == ErrorCode::UNSUPPORTED_VERSION) { // nothing to sign in to
        QMessageBox::warning(this, tr("Cannot Connect"),
                             tr("This server speaks another version of Confab's protocol. "
                                "Update Confab, or ask the server's administrator."));
        return;
    }
    // The stored session no longer works: ended from another device or by a password change,
    // expired, or the account was disabled. The user signs in again.
    auto *notice = new QMessageBox(
        QMessageBox::Information, tr("Signed Out"),
        error.code == ErrorCode::ACCOUNT_DISABLED
            ? tr("This account has been disabled by the server's administrator.")
            : tr("This device was signed out: from another device, by a password change, or "
                 "because the session expired. Sign in again to go on."),
        QMessageBox::Ok, this);
    notice->setObjectName(QStringLiteral("signedOutNotice"));
    notice->setAttribute(Qt::WA_DeleteOnClose);
    connect(notice, &QMessageBox::finished, this, &MainWindow::restartRequested);
    notice->open();
}

void MainWindow::offerRestart()
{
    // The new language shows once every window is built again: offer to do that now.
    auto *prompt = new QMessageBox(QMessageBox::Question, tr("Change language"),
                                   tr("Confab shows the new language after a restart."),
                                   QMessageBox::NoButton, this);
    prompt->setObjectName(QStringLiteral("restartPrompt"));
    prompt->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *restart = prompt->addButton(tr("Restart now"), QMessageBox::AcceptRole);
    prompt->addButton(tr("Later"), QMessageBox::RejectRole);
    prompt->setDefaultButton(restart);
    connect(restart, &QPushButton::clicked, this, &MainWindow::restartRequested);
    prompt->open();
}

void MainWindow::openSearch()
{
    auto *dialog = new SearchDialog(m_client, m_conversationModel, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SearchDialog::messageChosen, this, &MainWindow::showMessage);
    dialog->open();
}

void MainWindow::startChatWith(const QString &username)
{
    const QString name = username.trimmed().toLower();
    for (int row = 0; row < m_conversationModel->rowCount(); ++row) {
        const QModelIndex index = m_conversationModel->index(row);
        if (!index.data(ConversationListModel::IsGroupRole).toBool()
            && index.data(ConversationListModel::PeerUsernameRole).toString() == name) {
            openConversation(index.data(ConversationListModel::ConversationIdRole).toULongLong());
            return;
        }
    }
    if (m_conversationId && !m_pendingFiles.isEmpty())
        m_pendingFilesByConversation.insert(m_conversationId, m_pendingFiles);
    m_pendingFiles.clear();
    updateAttachBar();
    m_conversationId = 0;
    m_pendingPeer = name;
    m_conversations->clearSelection();
    setMessageModel(new MessageListModel(m_client, 0, this));
    static_cast<QStackedLayout *>(m_chat->parentWidget()->layout())->setCurrentWidget(m_chat);
    updateHeader();
    m_composer->setFocus();
}

void MainWindow::newChat()
{
    bool ok = false;
    const QString username =
        QInputDialog::getText(this, tr("New chat"), tr("Username of the person to write to:"),
                              QLineEdit::Normal, {}, &ok);
    if (ok && !username.trimmed().isEmpty())
        startChatWith(username);
}

void MainWindow::send(const QString &text)
{
    if (m_editing.messageId) {
        const auto edited = m_client->editMessage(m_editing, text);
        if (!edited) {
            QMessageBox::warning(this, tr("Message not changed"), edited.error().message);
            m_composer->setPlainText(text); // nothing typed is lost
            return;
        }
        cancelReplyOrEdit();
        return;
    }
    // Never blocked on the network: the message goes to the outbox and shows "sending"; its
    // files go up first.
    const auto sent = !m_pendingFiles.isEmpty()
        ? m_client->sendFiles(m_conversationId, text, m_pendingFiles, m_replyTo)
        : m_pendingPeer.isEmpty() ? m_client->sendMessage(m_conversationId, text, m_replyTo)
                                  : m_client->sendMessageTo(m_pendingPeer, text);
    if (!sent) {
        QMessageBox::warning(this, tr("Message not saved"),
                             sent.error().message.isEmpty() ? userMessage(sent.error().code)
                                                            : sent.error().message);
        if (!text.isEmpty() && m_composer->toPlainText().isEmpty())
            m_composer->setPlainText(text); // nothing typed is lost
        return;
    }
    m_pendingFiles.clear();
    updateAttachBar();
    cancelReplyOrEdit();
    m_messages->scrollToBottom();
}

QStringList MainWindow::quickReactions()
{
    return { QStringLiteral("👍"), QStringLiteral("❤️"), QStringLiteral("😂"),
             QStringLiteral("😮"), QStringLiteral("😢"),      QStringLiteral("🙏") };
}

void MainWindow::showReplyBar(const QString &text, bool closable)
{
    m_replyLabel->setText(text);
    m_replyBar->findChild<QToolButton *>()->setVisible(closable);
    m_replyBar->show();
}

void MainWindow::replyTo(const Client::ChatMessage &message)
{
    if (message.messageId == 0 || message.deleted)
        return;
    if (m_editing.messageId)
        cancelReplyOrEdit();
    m_replyTo = message;
    QString text = RichText::parse(message.text).text.simplified();
    if (text.size() > 80)
        text = text.left(79) + u'…';
    const QString name = message.senderId == m_client->currentUser().userId
        ? tr("yourself")
        : m_client->cache()->displayName(message.senderId);
    showReplyBar(tr("Replying to %1: %2").arg(name, text), true);
    m_composer->setFocus();
}

void MainWindow::editMessage(const Client::ChatMessage &message)
{
    if (!m_client->canEdit(message))
        return;
    if (!m_editing.messageId) // the draft waits while an edit takes the composer
        saveDraft();
    m_replyTo = {};
    m_editing = message;
    showReplyBar(tr("Editing your message. Press Enter to save, Esc to cancel."), true);
    m_composer->blockSignals(true);
    m_composer->setPlainText(message.text);
    m_composer->moveCursor(QTextCursor::End);
    m_composer->blockSignals(false);
    m_composer->setFocus();
}

void MainWindow::cancelReplyOrEdit()
{
    const bool wasEditing = m_editing.messageId != 0;
    m_replyTo = {};
    m_editing = {};
    m_replyBar->hide();
    if (wasEditing) {
        // Back to the draft that was there before the edit.
        m_composer->blockSignals(true);
        m_composer->setPlainText(
            m_client->cache() ? m_client->cache()
                                    ->setting(QStringLiteral("draft/%1").arg(m_conversationId))
                                    .toString()
                              : QString());
        m_composer->moveCursor(QTextCursor::End);
        m_composer->blockSignals(false);
    }
}

void MainWindow::deleteMessage(const Client::ChatMessage &message, bool ask)
{
    if (!m_client->canDelete(message))
        return;
    if (ask
        && QMessageBox::question(this, tr("Delete for everyone?"),
                                 tr("This message will be deleted for everyone in the chat, on "
                                    "every device. This cannot be undone."),
                                 QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            != QMessageBox::Yes)
        return;
    if (m_editing.messageId == message.messageId)
        cancelReplyOrEdit();
    if (const auto deleted = m_client->deleteMessage(message); !deleted)
        QMessageBox::warning(this, tr("Message not deleted"), deleted.error().message);
}

void MainWindow::toggleReaction(const Client::ChatMessage &message, const QString &emoji)
{
    const bool mine = message.reactedBy(emoji, m_client->currentUser().userId);
    if (const auto reacted = m_client->react(message, emoji, !mine); !reacted) {
        showReplyBar(reacted.error().message, false);
        m_replyBarTimer.start();
    }
}

void MainWindow::jumpToMessage(quint64 messageId)
{
    if (!m_messageModel || !m_client->cache())
        return;
    const auto target = m_client->cache()->messageById(messageId);
    if (!target || target.value().conversationId != m_conversationId) {
        showReplyBar(tr("The original message is not on this device yet. Scroll up to load "
                        "older messages."),
                     false);
        m_replyBarTimer.start();
        return;
    }
    showMessage(m_conversationId, target.value().seq);
    if (auto *delegate = qobject_cast<MessageDelegate *>(m_messages->itemDelegate())) {
        delegate->setHighlightedSeq(target.value().seq);
        m_messages->viewport()->update();
        m_highlightTimer.start();
    }
}

void MainWindow::updateMentionCandidates()
{
    QList<QPair<QString, QString>> candidates;
    if (m_client->cache() && m_conversationId) {
        if (const auto conversation = m_client->cache()->conversation(m_conversationId)) {
            const QList<Client::UserInfo> members = conversation.value().members;
            for (const Client::UserInfo &member : members)
                if (member.userId != m_client->currentUser().userId)
                    candidates.append({ member.username, member.displayName });
        }
    }
    m_composer->setMentionCandidates(candidates);
}

void MainWindow::onConversationsChanged()
{
    if (m_pendingPeer.isEmpty())
        return updateHeader();
    // The first message of a new chat made its conversation: switch to it.
    QTimer::singleShot(0, this, [this] {
        m_conversationModel->refresh();
        for (int row = 0; row < m_conversationModel->rowCount(); ++row) {
            const QModelIndex index = m_conversationModel->index(row);
            if (index.data(ConversationListModel::PeerUsernameRole).toString() == m_pendingPeer) {
                openConversation(
                    index.data(ConversationListModel::ConversationIdRole).toULongLong());
                return;
            }
        }
    });
}

void MainWindow::updateHeader()
{
    m_headerPeer = 0;
    m_groupInfo->setVisible(false);
    m_retention->setVisible(false);
    m_chatMenu->setVisible(m_pendingPeer.isEmpty() && m_conversationId != 0);
    m_composer->setReadOnly(false);
    m_sendButton->setEnabled(true);
    // Files go into a conversation: a new chat has none until its first message.
    m_attachButton->setEnabled(m_pendingPeer.isEmpty() && m_conversationId != 0);
    m_composer->setPlaceholderText(Composer::tr("Write a message…"));
    if (!m_pendingPeer.isEmpty()) {
        m_title->setText(m_pendingPeer);
        m_subtitle->setText(tr("New chat"));
        return;
    }
    const int row = m_conversationModel->rowOf(m_conversationId);
    if (row < 0)
        return;
    const QModelIndex index = m_conversationModel->index(row);
    m_title->setText(index.data(ConversationListModel::TitleRole).toString());
    const QString peer = index.data(ConversationListModel::PeerUsernameRole).toString();
    auto conversation = m_client->cache() ? m_client->cache()->conversation(m_conversationId)
                                          : Result<Client::ConversationSummary>(Error {});
    const bool isGroup = conversation && conversation.value().isGroup;
    const bool left = conversation && conversation.value().left;
    m_groupInfo->setVisible(isGroup);
    if (const int days = m_client->retentionLimitDays(m_conversationId); days > 0) {
        const QString after = MessageListModel::retentionText(days);
        m_retention->setText(QStringLiteral("⏱ ") + tr("Messages disappear after %1").arg(after));
        QString reason;
        m_retention->setToolTip(m_client->canSetRetention(m_conversationId, &reason)
                                    ? tr("Messages in this chat are deleted for everyone after "
                                         "%1. Click to change.")
                                          .arg(after)
                                    : tr("Messages in this chat are deleted for everyone after "
                                         "%1.")
                                          .arg(after));
        m_retention->setAccessibleName(m_retention->toolTip());
        m_retention->setVisible(true);
    }
    m_composer->setReadOnly(left);
    updateMentionCandidates();
    m_sendButton->setEnabled(!left);
    m_attachButton->setEnabled(!left);
    m_composer->setPlaceholderText(left ? tr("You are no longer a member of this group.")
                                        : Composer::tr("Write a message…"));

    QHash<quint64, QString> names;
    quint64 peerId = 0;
    if (conversation) {
        for (const auto &member : conversation.value().members) {
            names.insert(member.userId,
                         member.displayName.isEmpty() ? member.username : member.displayName);
            if (member.userId != m_client->currentUser().userId)
                peerId = member.userId;
        }
    }
    if (!isGroup)
        m_headerPeer = peerId;
    // Who is typing comes first; then presence (direct chats) or the member count (groups).
    QStringList typing;
    for (quint64 userId : m_client->typingUsers(m_conversationId))
        typing.append(names.value(userId, tr("Someone")));
    QString subtitle;
    if (typing.size() == 1)
        subtitle = tr("%1 is typing…").arg(typing.first());
    else if (typing.size() == 2)
        subtitle = tr("%1 and %2 are typing…").arg(typing[0], typing[1]);
    else if (typing.size() > 2)
        subtitle = tr("%n people are typing…", nullptr, int(typing.size()));
    else if (isGroup)
        subtitle = left ? tr("You left this group")
                        : tr("%n member(s)", nullptr, int(conversation.value().members.size()));
    else if (peerId) {
        const Client::Presence presence = m_client->presence(peerId);
        const QString handle = QStringLiteral("@") + peer;
        switch (presence.state) {
        case Client::PresenceState::Online:
            subtitle = tr("%1 · online").arg(handle);
            break;
        case Client::PresenceState::Away:
            subtitle = tr("%1 · away").arg(handle);
            break;
        case Client::PresenceState::Offline:
            subtitle = presence.lastSeenMs > 0
                ? tr("%1 · last seen %2")
                      .arg(handle,
                           QLocale().toString(QDateTime::fromMSecsSinceEpoch(presence.lastSeenMs),
                                              QLocale::ShortFormat))
                : handle;
            break;
        }
    } else if (!peer.isEmpty()) {
        subtitle = QStringLiteral("@") + peer;
    }
    m_subtitle->setText(subtitle);
}

void MainWindow::selectRelative(int step)
{
    const int rows = m_conversationModel->rowCount();
    if (rows == 0)
        return;
    const int current = m_conversationModel->rowOf(m_conversationId);
    const int next = current < 0 ? 0 : (current + step + rows) % rows;
    m_conversations->setCurrentIndex(m_conversationModel->index(next));
}

void MainWindow::askAboutCertificate(const Client::CertificateInfo &certificate)
{
    if (m_certificatePrompt) // one at a time; the newest certificate is the one to judge
        m_certificatePrompt->close();
    m_certificatePrompt = new CertificatePrompt(certificate, this);
    m_certificatePrompt->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_certificatePrompt, &QDialog::accepted, this,
            [this, certificate] { m_client->trustCertificate(certificate); });
    m_certificatePrompt->open();
    updateBanner();
}

void MainWindow::updateBanner()
{
    using State = ChatClient::State;
    const State state = m_client->state();
    QString text;
    bool retry = false;
    switch (state) {
    case State::Online:
        break;
    case State::Syncing:
        text = tr("Syncing…");
        break;
    case State::Connecting:
    case State::Authenticating:
        text = tr("Connecting…");
        break;
    case State::Backoff: {
        const int seconds = (m_client->msUntilReconnect() + 999) / 1000;
        text = seconds > 0 ? tr("Offline — reconnecting in %n s…", nullptr, seconds)
                           : tr("Offline — reconnecting…");
        retry = true;
        break;
    }
    case State::Disconnected:
        if (const auto certificate = m_client->untrustedCertificate()) {
            text = certificate->hasChanged()
                ? tr("Not connected: the server's certificate has changed")
                : tr("Not connected: the server's certificate is not trusted");
            retry = true;
        } else {
            text = tr("Offline");
        }
        break;
    }
    m_banner->setVisible(!text.isEmpty());
    m_bannerText->setText(text);
    m_retry->setText(state == State::Disconnected ? tr("Check Certificate…") : tr("Retry now"));
    m_retry->setVisible(retry);
    if (state == State::Backoff)
        m_bannerTimer.start();
    else
        m_bannerTimer.stop();
}

void MainWindow::onMessageContextMenu(const QPoint &position)
{
    const QModelIndex index = m_messages->indexAt(position);
    if (!index.isValid() || !m_messageModel)
        return;
    const auto message = m_messageModel->messageAt(index.row());
    if (message.event.isValid())
        return;
    QMenu menu(this);
    if (message.state == Client::MessageState::Failed) {
        menu.addSection(message.error);
        QAction *retry = menu.addAction(tr("Retry"));
        QAction *remove = menu.addAction(tr("Delete"));
        QAction *chosen = menu.exec(m_messages->viewport()->mapToGlobal(position));
        if (chosen == retry)
            static_cast<void>(m_client->retry(message.clientId));
        else if (chosen == remove)
            static_cast<void>(m_client->discard(message.clientId));
        return;
    }
    const bool sent = message.messageId != 0 && !message.deleted;
    const bool member = !m_composer->isReadOnly();
    if (sent && member) {
        // The quick reactions, in a row of their own at the top.
        QMenu *react = menu.addMenu(tr("React"));
        for (const QString &emoji : quickReactions()) {
            QAction *action = react->addAction(emoji);
            action->setCheckable(true);
            action->setChecked(message.reactedBy(emoji, m_client->currentUser().userId));
            connect(action, &QAction::triggered, this,
                    [this, message, emoji] { toggleReaction(message, emoji); });
        }
        connect(menu.addAction(tr("Reply")), &QAction::triggered, this,
                [this, message] { replyTo(message); });
    }
    if (!message.deleted && !message.text.isEmpty())
        connect(menu.addAction(tr("Copy Text")), &QAction::triggered, this,
                [message] { QApplication::clipboard()->setText(message.text); });
    if (!message.deleted) {
        for (int i = 0; i < message.attachments.size(); ++i) {
            const auto &file = message.attachments.at(i);
            if (file.attachmentId == 0 && file.localPath.isEmpty())
                continue;
            connect(menu.addAction(tr("Save “%1” As…").arg(file.name)), &QAction::triggered, this,
                    [this, message, i] { saveAttachmentAs(message, i); });
        }
    }
    if (message.state == Client::MessageState::Sending && !message.attachments.isEmpty())
        connect(menu.addAction(tr("Cancel Sending")), &QAction::triggered, this,
                [this, message] { static_cast<void>(m_client->discard(message.clientId)); });
    if (m_client->canEdit(message) || m_client->canDelete(message))
        menu.addSeparator();
    if (m_client->canEdit(message))
        connect(menu.addAction(tr("Edit")), &QAction::triggered, this,
                [this, message] { editMessage(message); });
    if (m_client->canDelete(message))
        connect(menu.addAction(tr("Delete for Everyone…")), &QAction::triggered, this,
                [this, message] { deleteMessage(message); });
    if (!menu.isEmpty())
        menu.exec(m_messages->viewport()->mapToGlobal(position));
}

void MainWindow::refreshNotifyModes()
{
    // As they are now: a mute for a while that has ended is no mute.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Client::NotificationPrefs prefs = m_client->notificationPrefs();
    m_notifyModes.clear();
    qint64 nextEnd = 0;
    for (auto it = prefs.conversations.cbegin(); it != prefs.conversations.cend(); ++it) {
        const Client::NotifyMode mode = prefs.modeAt(it.key(), now);
        if (mode != Client::NotifyMode::All)
            m_notifyModes.insert(it.key(), int(mode));
        if (mode == Client::NotifyMode::Muted && it->mutedUntilMs > now)
            nextEnd = nextEnd ? std::min(nextEnd, it->mutedUntilMs) : it->mutedUntilMs;
    }
    if (nextEnd) {
        // The chat list shows it unmuted once its time is up.
        QTimer::singleShot(int(std::min<qint64>(nextEnd - now + 100, 24ll * 3600 * 1000)), this,
                           [this] {
                               refreshNotifyModes();
                               if (m_conversations)
                                   m_conversations->viewport()->update();
                           });
    }
}

void MainWindow::setNotifyMode(quint64 conversationId, int mode, qint64 mutedForMs)
{
    // Kept by the server, so every device of the user notifies alike (PROTOCOL.md §15).
    const qint64 until = mode == int(Client::NotifyMode::Muted) && mutedForMs > 0
        ? QDateTime::currentMSecsSinceEpoch() + mutedForMs
        : 0;
    m_client->setConversationNotify(conversationId, Client::NotifyMode(mode), until);
    refreshNotifyModes();
    m_conversations->viewport()->update();
    Q_EMIT notifyModeChanged(conversationId, mode);
}

void MainWindow::onConversationContextMenu(const QPoint &position)
{
    const QModelIndex index = m_conversations->indexAt(position);
    if (!index.isValid())
        return;
    const quint64 id = index.data(ConversationListModel::ConversationIdRole).toULongLong();
    QMenu menu(this);
    menu.addSection(tr("Notify me about"));
    const int current = m_notifyModes.value(id, 0);
    const QString labels[] = { tr("All messages"), tr("Mentions only") };
    for (int mode = 0; mode < 2; ++mode) {
        QAction *action = menu.addAction(labels[mode]);
        action->setCheckable(true);
        action->setChecked(mode == current);
        connect(action, &QAction::triggered, this, [this, id, mode] { setNotifyMode(id, mode); });
    }
    // Muted: for a while, or until turned back on.
    const int muted = int(Client::NotifyMode::Muted);
    const qint64 until = m_client->notificationPrefs().conversations.value(id).mutedUntilMs;
    QMenu *mute =
        menu.addMenu(current == muted && until > 0
                         ? tr("Nothing (muted until %1)")
                               .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(until),
                                                       QLocale::ShortFormat))
                         : tr("Nothing (mute)"));
    const std::pair<QString, qint64> durations[] = {
        { tr("For 1 hour"), 3600ll * 1000 },
        { tr("For 8 hours"), 8 * 3600ll * 1000 },
        { tr("For a week"), 7 * 24 * 3600ll * 1000 },
        { tr("Until I turn it back on"), 0 },
    };
    for (const auto &[label, ms] : durations) {
        QAction *action = mute->addAction(label);
        action->setCheckable(true);
        action->setChecked(current == muted && ms == 0 && until == 0); // for good
        connect(action, &QAction::triggered, this,
                [this, id, muted, ms = ms] { setNotifyMode(id, muted, ms); });
    }
    menu.addSeparator();
    menu.setToolTipsVisible(true);
    addRetentionAction(&menu, id);
    menu.exec(m_conversations->viewport()->mapToGlobal(position));
}

void MainWindow::loadOlderKeepingPosition()
{
    QScrollBar *bar = m_messages->verticalScrollBar();
    m_distanceFromBottom = bar->maximum() - bar->value();
    m_messageModel->loadOlder();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/conversation"), m_conversationId);
    saveDraft();
    if (m_hideOnClose && m_hideOnClose()) {
        hide();
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::attachFiles(const QStringList &paths)
{
    if (!m_conversationId || !m_attachButton->isEnabled())
        return;
    QStringList refused;
    for (const QString &path : paths) {
        if (m_pendingFiles.size() >= kMaxAttachmentsPerMessage) {
            showReplyBar(
                tr("At most %n files can go with one message.", nullptr, kMaxAttachmentsPerMessage),
                false);
            m_replyBarTimer.start();
            break;
        }
        const QFileInfo info(path);
        const quint64 limit = m_client->limits().maxAttachmentBytes;
        if (!info.isFile() || !info.isReadable() || info.size() == 0) {
            refused.append(tr("%1 cannot be read or is empty.").arg(info.fileName()));
            continue;
        }
        if (limit > 0 && quint64(info.size()) > limit) {
            refused.append(tr("%1 is larger than this server takes (%2).")
                               .arg(info.fileName(), formatSize(qint64(limit))));
            continue;
        }
        m_pendingFiles.append(prepareFile(info.absoluteFilePath()));
    }
    if (!refused.isEmpty()) {
        showReplyBar(refused.join(u' '), false);
        m_replyBarTimer.start();
    }
    updateAttachBar();
    m_composer->setFocus();
}

void MainWindow::attachImage(const QImage &image)
{
    if (image.isNull() || !m_conversationId)
        return;
    const QString folder = QDir(m_client->filesDirectory()).filePath(QStringLiteral("pasted"));
    const QString path = QDir(folder).filePath(
        QStringLiteral("pasted-%1.png")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"))));
    if (!QDir().mkpath(folder) || !image.save(path, "PNG")) {
        showReplyBar(tr("The pasted image could not be saved: is the disk full?"), false);
        m_replyBarTimer.start();
        return;
    }
    attachFiles({ path });
}

void MainWindow::removePendingFile(int position)
{
    if (position < 0 || position >= m_pendingFiles.size())
        return;
    m_pendingFiles.removeAt(position);
    updateAttachBar();
}

void MainWindow::updateAttachBar()
{
    while (m_attachList->count() > 1) {
        QLayoutItem *item = m_attachList->takeAt(0);
        delete item->widget();
        delete item;
    }
    for (int i = 0; i < m_pendingFiles.size(); ++i) {
        const auto &file = m_pendingFiles.at(i);
        const QFileInfo info(file.path);
        auto *chip = new QToolButton(m_attachBar);
        chip->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        QPixmap thumbnail;
        if (!file.thumbnail.isEmpty() && thumbnail.loadFromData(file.thumbnail, "JPEG"))
            chip->setIcon(QIcon(thumbnail));
        else
            chip->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
        chip->setIconSize(QSize(28, 28));
        const QString name =
            QFontMetrics(chip->font()).elidedText(info.fileName(), Qt::ElideMiddle, 180);
        chip->setText(QStringLiteral("%1 · %2  ✕").arg(name, formatSize(info.size())));
        chip->setToolTip(tr("Remove %1").arg(info.fileName()));
        chip->setAccessibleName(tr("Remove %1").arg(info.fileName()));
        connect(chip, &QToolButton::clicked, this, [this, i] { removePendingFile(i); });
        m_attachList->insertWidget(i, chip);
    }
    m_attachBar->setVisible(!m_pendingFiles.isEmpty());
    m_composer->setHasAttachments(!m_pendingFiles.isEmpty());
}

void MainWindow::openAttachment(const Client::ChatMessage &message, int position)
{
    if (position < 0 || position >= message.attachments.size() || message.deleted)
        return;
    const Client::AttachmentInfo file = message.attachments.at(position);
    if (!file.localPath.isEmpty() && QFileInfo::exists(file.localPath))
        return showFile(file);
    if (file.attachmentId == 0)
        return; // ours, still going up, and no longer where it was
    if (m_client->isDownloading(file.attachmentId)) {
        m_client->cancelDownload(file.attachmentId);
        m_openWhenDownloaded.remove(file.attachmentId);
        m_saveWhenDownloaded.remove(file.attachmentId);
        return;
    }
    m_openWhenDownloaded.insert(file.attachmentId, file);
    m_client->download(file, m_client->downloadPath(file));
}

void MainWindow::saveAttachmentAs(const Client::ChatMessage &message, int position, QString target)
{
    if (position < 0 || position >= message.attachments.size())
        return;
    const Client::AttachmentInfo file = message.attachments.at(position);
    if (target.isEmpty()) {
        const QString folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
        target =
            QFileDialog::getSaveFileName(this, tr("Save File"), QDir(folder).filePath(file.name));
        if (target.isEmpty())
            return;
    }
    if (!file.localPath.isEmpty() && QFileInfo::exists(file.localPath)) {
        QFile::remove(target);
        if (!QFile::copy(file.localPath, target)) {
            showReplyBar(tr("%1 could not be saved.").arg(target), false);
            m_replyBarTimer.start();
        }
        return;
    }
    if (file.attachmentId == 0)
        return;
    m_saveWhenDownloaded.insert(file.attachmentId, target);
    if (!m_client->isDownloading(file.attachmentId))
        m_client->download(file, m_client->downloadPath(file));
}

void MainWindow::onDownloadFinished(quint64 attachmentId, const QString &path)
{
    if (const QString target = m_saveWhenDownloaded.take(attachmentId); !target.isEmpty()) {
        QFile::remove(target);
        if (!QFile::copy(path, target)) {
            showReplyBar(tr("%1 could not be saved.").arg(target), false);
            m_replyBarTimer.start();
        }
    }
    if (auto found = m_openWhenDownloaded.find(attachmentId); found != m_openWhenDownloaded.end()) {
        Client::AttachmentInfo file = found.value();
        m_openWhenDownloaded.erase(found);
        file.localPath = path;
        showFile(file);
    }
}

void MainWindow::showFile(const Client::AttachmentInfo &file)
{
    auto openExternally = [this](const QString &path) {
        if (m_openFile)
            m_openFile(path);
        else
            QDesktopServices::openUrl(QUrl::fromLocalFile(path));
    };
    if (file.isImage()) {
        // In the app's viewer only: a file that says it is an image but is not one is never
        // handed to the system, which might run it.
        auto *viewer = new ImageViewer(file.localPath, file.name, this);
        connect(viewer, &ImageViewer::openExternallyRequested, this, openExternally);
        viewer->setObjectName(QStringLiteral("imageViewer"));
        viewer->show();
        return;
    }
    if (isSafeToOpen(file.name))
        return openExternally(file.localPath);
    // A program, a script, a shortcut, a document with macros...: only if the user says so.
    QMessageBox ask(QMessageBox::Warning, tr("Open “%1”?").arg(file.name),
                    tr("“%1” is a kind of file that can run programs or change this computer. "
                       "Open it only if you trust the person who sent it and expected this file.")
                        .arg(file.name),
                    QMessageBox::NoButton, this);
    QPushButton *show = ask.addButton(tr("Show in Folder"), QMessageBox::AcceptRole);
    QPushButton *open = ask.addButton(tr("Open Anyway"), QMessageBox::DestructiveRole);
    ask.addButton(QMessageBox::Cancel);
    ask.setDefaultButton(show);
    ask.setObjectName(QStringLiteral("unsafeFilePrompt"));
    ask.exec();
    if (ask.clickedButton() == open)
        openExternally(file.localPath);
    else if (ask.clickedButton() == show)
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(file.localPath).absolutePath()));
}

} // namespace Confab::Ui
