#pragma once

#include "types.h"

#include <confab/error.h>
#include <confab/limits.h>
#include <confab/result.h>

#include <QObject>
#include <QUrl>

#include <memory>
#include <optional>

namespace Confab::Client {

class LocalCache;

//! The client's connection to one confabd, and everything that travels over it: sign-in (with a
//! password or the stored session token), sync into the local cache, the outbox (DESIGN.md §3),
//! live events, gap filling and older history. One state machine:
//!   Disconnected -> Connecting -> Authenticating -> Syncing -> Online
//! with Backoff (exponential, capped, with jitter) after any unwanted disconnect. Works on the
//! cache at once, online or not. Lives on the thread that created it (the GUI thread in the app).
class ChatClient final : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Authenticating, Syncing, Online, Backoff };
    Q_ENUM(State)

    //! dataDir holds the session profile and one cache file per account.
    explicit ChatClient(const QString &dataDir, QObject *parent = nullptr);
    ~ChatClient() override;

    void setServerUrl(const QUrl &url);
    [[nodiscard]] QUrl serverUrl() const;

    //! Opens the account's cache and connects, signing in with the password.
    void signIn(const QString &username, const QString &password);
    //! The same, creating the account first.
    void registerAccount(const QString &username, const QString &password,
                         const QString &displayName = {});
    //! The accounts this device signed in to, on any server.
    [[nodiscard]] QList<Profile> profiles() const;
    //! Opens the cache of a profile's account (the current one by default) and reconnects with its
    //! stored token. False when it has no stored session.
    bool restoreSession(const QString &profileId = {});
    //! Ends the session on the server and forgets the token; the cache stays.
    void signOut();
    //! Disconnects and stays disconnected (no automatic reconnect).
    void disconnectFromServer();
    //! In Backoff: try now instead of waiting (the user pressed Retry).
    void reconnectNow();
    //! In Backoff: milliseconds until the next attempt; -1 otherwise.
    [[nodiscard]] int msUntilReconnect() const;

    [[nodiscard]] State state() const;
    //! The server's limits (from its welcome; the defaults before one).
    [[nodiscard]] Limits limits() const;
    [[nodiscard]] UserInfo currentUser() const;
    //! The open account's cache; null before an account is known.
    [[nodiscard]] LocalCache *cache() const;

    //! Writes the message to the outbox and sends it when online. Fails only when the local
    //! cache cannot store it (e.g. a full disk).
    //! replyTo: the message this one answers (quoted above it), or none. Members named as
    //! @username in the text are mentioned.
    Result<ChatMessage> sendMessage(quint64 conversationId, const QString &text,
                                    const ChatMessage &replyTo = {});
    Result<ChatMessage> sendMessageTo(const QString &peerUsername, const QString &text);
    //! A message with files (at most 4; PROTOCOL.md §14): it waits in the outbox until each
    //! file is uploaded (resumed after a disconnect or a restart), then goes as one message.
    //! uploadProgress() tells how far. The files must stay where they are until then.
    Result<ChatMessage> sendFiles(quint64 conversationId, const QString &text,
                                  const QList<OutgoingFile> &files,
                                  const ChatMessage &replyTo = {});
    //! Downloads a received file to targetPath, in chunks; an interrupted download goes on from
    //! targetPath + ".part". downloadProgress(), then downloadFinished() once the bytes are
    //! checked against the sender's SHA-256 (or downloadFailed()).
    void download(const AttachmentInfo &attachment, const QString &targetPath);
    //! This account's folder for files: downloads and pasted images. Empty before an account is
    //! open.
    [[nodiscard]] QString filesDirectory() const;
    //! Where a received file goes by default: its own folder under filesDirectory(), under its
    //! name (made safe for the file system).
    [[nodiscard]] QString downloadPath(const AttachmentInfo &attachment) const;
    //! Stops a download and removes what it wrote. (An upload is cancelled by discard().)
    void cancelDownload(quint64 attachmentId);
    [[nodiscard]] bool isDownloading(quint64 attachmentId) const;

    // Changes to sent messages (PROTOCOL.md §13). Each goes through the outbox like a message,
    // shows on the target at once (messageChanged), and is undone if the server refuses it
    // (messageChangeFailed, then messageChanged with the server's state).
    //! Only the user's own messages; the text must not be empty.
    Result<void> editMessage(const ChatMessage &target, const QString &text);
    //! For everyone: the user's own messages, or any in a group the user is an admin of.
    Result<void> deleteMessage(const ChatMessage &target);
    //! Adds or takes back the user's reaction with one emoji.
    Result<void> react(const ChatMessage &target, const QString &emoji, bool add = true);
    [[nodiscard]] bool canEdit(const ChatMessage &message) const;
    [[nodiscard]] bool canDelete(const ChatMessage &message) const;
    Result<void> retry(const QUuid &clientId);
    //! Removes an unsent message from the outbox (also while its files go up: that stops).
    Result<void> discard(const QUuid &clientId);
    //! Loads up to `limit` messages older than the oldest held; historyLoaded() follows.
    void fetchOlder(quint64 conversationId, int limit = 50);
    //! Full-text search of the local cache (LocalCache::search), newest first.
    //! conversationId 0: every conversation.
    [[nodiscard]] Result<QList<SearchHit>> search(const QString &text, int limit = 50,
                                                  quint64 conversationId = 0) const;

    // Groups: answered by groupChanged() or groupRequestFailed(). They need a connection.
    void createGroup(const QString &title, const QStringList &usernames);
    void renameGroup(quint64 conversationId, const QString &title);
    void addMembers(quint64 conversationId, const QStringList &usernames);
    void removeMember(quint64 conversationId, quint64 userId);
    void leaveGroup(quint64 conversationId);
    void setRole(quint64 conversationId, quint64 userId, Role role);

    // Retention (PROTOCOL.md §17): a chat's entries are deleted for everyone once older than its
    // limit; here as well as on the server, so that this device forgets on time even offline.
    //! Sets the chat's own limit in days (0: off), within limits().minRetentionDays and
    //! serverRetentionDays(). Answered like the group requests (groupChanged() or
    //! groupRequestFailed()); needs a server of protocol 1.6 or later.
    void setRetention(quint64 conversationId, int days);
    //! Whether the user may set a chat's retention: either member of a direct chat, a group's
    //! owner and admins, on a server that knows retention. Else `reason` says why not.
    [[nodiscard]] bool canSetRetention(quint64 conversationId, QString *reason = nullptr) const;
    //! The server's limit for every chat, as last heard (kept in the cache); 0: none.
    [[nodiscard]] int serverRetentionDays() const;
    //! The limit that applies to a chat (the smaller of the server's and its own); 0: none.
    [[nodiscard]] int retentionLimitDays(quint64 conversationId) const;
    //! Every this often the cache deletes what became older than its chat's limit.
    static constexpr int kExpireIntervalMs = 10 * 60 * 1000;

    //! The user has seen everything up to seq (shown in a focused window): clears unread at once
    //! and tells the server, coalesced (one update covers many messages).
    void markRead(quint64 conversationId, quint64 seq);
    //! Away after a while without input (or a locked screen); online again on input.
    void setAway(bool away);
    [[nodiscard]] bool isAway() const;
    //! A contact's presence as last heard; Offline when unknown or while disconnected.
    [[nodiscard]] Presence presence(quint64 userId) const;
    //! The user is typing: sent at most once per kTypingIntervalMs per conversation.
    void notifyTyping(quint64 conversationId);
    //! Who is typing in a conversation now (each shown for kTypingShownMs after their signal).
    [[nodiscard]] QList<quint64> typingUsers(quint64 conversationId) const;
    static constexpr int kTypingIntervalMs = 3000;
    static constexpr int kTypingShownMs = 6000;

    // Notification preferences (PROTOCOL.md §15): the same on every device of the user. A change
    // applies here at once, goes to the server (when offline, once connected) and from there to
    // the other devices; notificationPrefsChanged() says when they changed, here or elsewhere.
    [[nodiscard]] NotificationPrefs notificationPrefs() const;
    //! Whether the server sends digest emails (PROTOCOL.md §15.3), as it last said.
    [[nodiscard]] bool serverSendsEmail() const;
    void setNotificationPrefs(const NotificationPrefs &prefs);
    //! One conversation: all messages, mentions only, or muted (until mutedUntilMs; 0: until
    //! turned back on).
    void setConversationNotify(quint64 conversationId, NotifyMode mode, qint64 mutedUntilMs = 0);

    // The account's sessions and password; they need a connection. Answered by sessionsListed(),
    // sessionsRevoked() or passwordChanged(), or by accountRequestFailed().
    void listSessions();
    //! Signs that device out: its token stops working and its connection is closed.
    void revokeSession(const QByteArray &sessionId);
    //! Signs out every other device of this account.
    void revokeOtherSessions();
    //! Every other device is signed out once it is changed.
    void changePassword(const QString &currentPassword, const QString &newPassword);

    //! Trusts this certificate for its server from now on (remembered on this device, in place
    //! of any other trusted before) and connects again. Only after the user compared the
    //! fingerprint: see certificateNeedsTrust().
    void trustCertificate(const CertificateInfo &certificate);
    //! The certificate last refused, while it keeps the client disconnected; nullopt otherwise.
    [[nodiscard]] std::optional<CertificateInfo> untrustedCertificate() const;

    //! Tunes reconnect back-off (tests shorten it); defaults 500 ms doubling up to 30 s.
    void setBackoff(int initialMs, int maxMs);

Q_SIGNALS:
    void stateChanged(Confab::Client::ChatClient::State state, const QString &reason);
    void authenticated(const Confab::Client::UserInfo &user);
    //! Sign-in needs the user (wrong password, expired session, ...); the client stays
    //! disconnected.
    void authenticationFailed(const Confab::Error &error);
    void messageAdded(const Confab::Client::ChatMessage &message);
    void messageChanged(const Confab::Client::ChatMessage &message);
    void messageRemoved(const QUuid &clientId);
    void uploadProgress(const QUuid &clientId, qint64 done, qint64 total);
    void downloadProgress(quint64 attachmentId, qint64 done, qint64 total);
    void downloadFinished(quint64 attachmentId, const QString &path);
    void downloadFailed(quint64 attachmentId, const Confab::Error &error);
    void downloadCancelled(quint64 attachmentId);
    void notificationPrefsChanged(const Confab::Client::NotificationPrefs &prefs);
    //! The server refused an edit, delete or reaction (error.code says why).
    void messageChangeFailed(const Confab::Error &error);
    void conversationsChanged();
    //! Retention deleted a chat's entries up to purgedSeq (PROTOCOL.md §17), or is deleting them
    //! from the cache now: views drop them. conversationsChanged() follows once they are gone.
    void historyPurged(quint64 conversationId, quint64 purgedSeq);
    void historyLoaded(quint64 conversationId, int count, bool hasMore);
    void syncFinished();
    //! A sync ended that brought messages which would have notified (PROTOCOL.md §15); before
    //! syncFinished().
    void caughtUp(const Confab::Client::CatchUpSummary &summary);
    //! A group request of ours went through; the conversation is stored (a new one, for
    //! createGroup).
    void groupChanged(quint64 conversationId);
    void groupRequestFailed(const Confab::Error &error);
    //! Another member's delivered/read cursors moved.
    void receiptsChanged(quint64 conversationId);
    void presenceChanged(quint64 userId);
    void typingChanged(quint64 conversationId);
    void sessionsListed(const QList<Confab::Client::SessionInfo> &sessions);
    void sessionsRevoked();
    void passwordChanged();
    //! error.message is for the user; BAD_CREDENTIALS: the current password was wrong.
    void accountRequestFailed(const Confab::Error &error);
    //! The server's certificate cannot be verified, or it is not the one trusted before: the
    //! client did not connect and stays disconnected until trustCertificate() (or a new
    //! sign-in). A changed certificate may be an attack: say so.
    void certificateNeedsTrust(const Confab::Client::CertificateInfo &certificate);
    //! The cache file was unusable: it was moved to `movedAsidePath` and is rebuilt by syncing.
    void cacheRecovered(const QString &movedAsidePath);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Confab::Client
