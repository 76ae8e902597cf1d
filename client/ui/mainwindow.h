#pragma once

#include "chatclient.h"
#include "messagelistmodel.h"
#include "settings.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <functional>

class QLabel;
class QMenu;
class QLineEdit;
class QListView;
class QPushButton;
class QFrame;
class QHBoxLayout;
class QToolButton;

namespace Confab::Client {
class ConversationListModel;
} // namespace Confab::Client

namespace Confab::Ui {

class CertificatePrompt;
class Composer;

//! The main window: the conversation list on the left, the open conversation on the right (a
//! connection banner, the messages, the composer). Works on the local cache whether or not the
//! server is reachable: sending never waits for the network. GUI thread.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Client::ChatClient *client, QWidget *parent = nullptr);
    ~MainWindow() override;

    void openConversation(quint64 conversationId);
    //! Opens a conversation at one message (a search hit), loading older history to reach it.
    void showMessage(quint64 conversationId, quint64 seq);
    void openSearch();
    void openSettings();
    void offerRestart();
    void newGroup();
    void openGroupInfo();
    //! The chat's disappearing messages (RetentionDialog); read-only for who may not change them.
    void openRetention(quint64 conversationId);
    //! Find in the open chat (Ctrl+F): a bar above the messages; Enter goes to older matches,
    //! Shift+Enter to newer ones, Esc closes it.
    void openFind();
    void closeFind();
    //! Opens a chat with a user by username; the conversation exists once the first message is
    //! sent.
    void startChatWith(const QString &username);
    [[nodiscard]] quint64 currentConversation() const { return m_conversationId; }
    //! True right after a conversation opened, until the view rests at its newest message.
    [[nodiscard]] bool isSettling() const { return m_settling; }
    //! Asked when the window is closed: true hides it (to the tray) instead of closing.
    void setHideOnClose(std::function<bool()> handler) { m_hideOnClose = std::move(handler); }
    //! Per-conversation notification modes (Client::NotifyMode as int), kept in the account's
    //! cache.
    [[nodiscard]] const QHash<quint64, int> &notifyModes() const { return m_notifyModes; }
    //! All (0), mentions only (1) or muted (2): for mutedForMs, or until turned back on (0).
    //! Kept by the server for every device of the user.
    void setNotifyMode(quint64 conversationId, int mode, qint64 mutedForMs = 0);

Q_SIGNALS:
    void notifyModeChanged(quint64 conversationId, int mode);
    void settingsApplied(const Confab::Ui::AppSettings &settings);
    //! The user asked to restart the app now (to show a new language).
    void restartRequested();

public:
    QListView *conversationView() const { return m_conversations; }
    QListView *messageView() const { return m_messages; }
    Composer *composer() const { return m_composer; }
    Client::MessageListModel *messageModel() const { return m_messageModel; }
    Client::ConversationListModel *conversationModel() const { return m_conversationModel; }
    QLabel *bannerLabel() const { return m_bannerText; }
    QFrame *banner() const { return m_banner; }
    QPushButton *bannerButton() const { return m_retry; }

    QPushButton *groupInfoButton() const { return m_groupInfo; }
    //! In the header while messages of the open chat disappear after a while; opens the setting.
    QToolButton *retentionIndicator() const { return m_retention; }
    //! The open chat's menu (⋯ in the header), and the menu it opens (filled as it opens).
    QToolButton *chatMenuButton() const { return m_chatMenu; }
    QMenu *chatMenu() const { return m_chatMenuPopup; }
    QLineEdit *findField() const { return m_findField; }
    QLabel *findStatus() const { return m_findStatus; }
    [[nodiscard]] quint64 foundSeq() const { return m_foundSeq; }
    QLabel *subtitleLabel() const { return m_subtitle; }
    //! Above the composer while replying to or editing a message (or after a refused change).
    QFrame *replyBar() const { return m_replyBar; }
    QLabel *replyBarLabel() const { return m_replyLabel; }
    [[nodiscard]] const Client::ChatMessage &replyingTo() const { return m_replyTo; }
    [[nodiscard]] const Client::ChatMessage &editing() const { return m_editing; }
    //! Reply to, edit, delete (after asking) or react to a message of the open chat; what the
    //! message's context menu offers.
    void replyTo(const Client::ChatMessage &message);
    void editMessage(const Client::ChatMessage &message);
    void deleteMessage(const Client::ChatMessage &message, bool ask = true);
    void toggleReaction(const Client::ChatMessage &message, const QString &emoji);
    //! Leaves reply or edit mode (Esc); an edit gives the composer back its draft.
    void cancelReplyOrEdit();
    //! Scrolls to a message of the open chat by server id and marks it for a moment.
    void jumpToMessage(quint64 messageId);
    //! The quick reactions the context menu offers.
    static QStringList quickReactions();
    // Files (PROTOCOL.md §14). They wait above the composer and go with the next message.
    //! Adds files to go with the next message (at most kMaxAttachmentsPerMessage).
    void attachFiles(const QStringList &paths);
    //! A pasted image: saved as a PNG under the account's files, then attached.
    void attachImage(const QImage &image);
    void removePendingFile(int position);
    [[nodiscard]] const QList<Client::OutgoingFile> &pendingFiles() const { return m_pendingFiles; }
    QFrame *attachBar() const { return m_attachBar; }
    QToolButton *attachButton() const { return m_attachButton; }
    //! A click on a message's file: open it when it is here (an image in the viewer), download
    //! it otherwise and open it then; a click while it downloads cancels that.
    void openAttachment(const Client::ChatMessage &message, int position);
    //! Saves a file of a message to `target` (asks where when empty), downloading it first.
    void saveAttachmentAs(const Client::ChatMessage &message, int position, QString target = {});
    //! How a file that is not an image is opened (the system's application by default; tests
    //! watch instead).
    void setFileOpener(std::function<void(const QString &path)> opener)
    {
        m_openFile = std::move(opener);
    }
    //! Input anywhere in the app: not away. Idle for this long (Settings; 0: never): away.
    void setAwayAfter(int ms);

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildUi();
    void send(const QString &text);
    void newChat();
    void selectRelative(int step);
    void updateBanner();
    //! AccountDialog over `over` (the settings dialog that asked, or this window).
    void openAccount(QWidget *over = nullptr);
    void onSignedOut(const Confab::Error &error);
    //! The server's certificate needs the user's decision (ChatClient::certificateNeedsTrust).
    void askAboutCertificate(const Client::CertificateInfo &certificate);
    void updateHeader();
    void onConversationsChanged();
    void onMessageContextMenu(const QPoint &position);
    void showReplyBar(const QString &text, bool closable);
    void updateMentionCandidates();
    void onConversationContextMenu(const QPoint &position);
    //! "Disappearing messages…" for a chat, disabled with the reason when the user may not.
    void addRetentionAction(QMenu *menu, quint64 conversationId);
    void fillChatMenu(QMenu *menu);
    void quietRetentionIndicator();
    void loadOlderKeepingPosition();
    void setMessageModel(Client::MessageListModel *model);
    void fillViewport();
    void saveDraft();
    //! Tells the server what the user has seen: the open chat, scrolled to the bottom, in the
    //! active window.
    void markShownAsRead();
    void runFind();
    void showFound(int step); //!< +1: older, -1: newer
    void updateAttachBar();
    void refreshNotifyModes();
    void showFile(const Client::AttachmentInfo &file);
    void onDownloadFinished(quint64 attachmentId, const QString &path);

    Client::ChatClient *const m_client;
    Client::ConversationListModel *m_conversationModel = nullptr;
    QPointer<Client::MessageListModel> m_messageModel;
    quint64 m_conversationId = 0;
    QString m_pendingPeer; //!< a new chat, before its first message made the conversation

    QListView *m_conversations = nullptr;
    QListView *m_messages = nullptr;
    Composer *m_composer = nullptr;
    QPushButton *m_sendButton = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_subtitle = nullptr;
    QPushButton *m_groupInfo = nullptr;
    QToolButton *m_retention = nullptr;
    QToolButton *m_chatMenu = nullptr;
    QMenu *m_chatMenuPopup = nullptr;
    QFrame *m_findBar = nullptr;
    QLineEdit *m_findField = nullptr;
    QLabel *m_findStatus = nullptr;
    QTimer m_findTimer;
    QList<quint64> m_foundSeqs; //!< newest first
    int m_foundIndex = -1;
    quint64 m_foundSeq = 0;
    QTimer m_idleTimer;
    qint64 m_lastInputMs = 0;
    quint64 m_headerPeer = 0; //!< whose presence the header shows (direct chats)
    int m_awayAfterMs = 5 * 60 * 1000;
    QString m_languageInEffect;
    QFrame *m_replyBar = nullptr;
    QLabel *m_replyLabel = nullptr;
    Client::ChatMessage m_replyTo; //!< messageId 0: not replying
    Client::ChatMessage m_editing; //!< messageId 0: not editing
    QTimer m_replyBarTimer; //!< hides a notice in the reply bar
    QTimer m_highlightTimer; //!< ends the mark on a message jumped to
    QFrame *m_banner = nullptr;
    QLabel *m_bannerText = nullptr;
    QPushButton *m_retry = nullptr;
    QPointer<CertificatePrompt> m_certificatePrompt;
    QWidget *m_chat = nullptr;
    QLabel *m_empty = nullptr;
    QTimer m_bannerTimer;
    int m_distanceFromBottom = -1; //!< kept while older history is inserted above
    bool m_settling = false; //!< a model was just set; scrolling is not the user's yet
    std::function<bool()> m_hideOnClose;
    QHash<quint64, int> m_notifyModes;
    QTimer m_draftTimer;
    QFrame *m_attachBar = nullptr;
    QHBoxLayout *m_attachList = nullptr;
    QToolButton *m_attachButton = nullptr;
    QList<Client::OutgoingFile> m_pendingFiles; //!< the open conversation's
    QHash<quint64, QList<Client::OutgoingFile>> m_pendingFilesByConversation; //!< the others'
    QHash<quint64, Client::AttachmentInfo> m_openWhenDownloaded; //!< by attachment id
    QHash<quint64, QString> m_saveWhenDownloaded; //!< by attachment id: where to copy it
    std::function<void(const QString &path)> m_openFile;
};

} // namespace Confab::Ui
