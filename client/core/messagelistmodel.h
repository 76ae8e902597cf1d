#pragma once

#include "types.h"

#include <QAbstractListModel>
#include <QHash>
#include <QPointer>

namespace Confab::Client {

class ChatClient;

//! The messages of one conversation for a chat view: the newest page from the cache at first,
//! older ones on demand (loadOlder(): the cache first, then the server; not fetchMore(), which
//! views call at the bottom, where a chat has its newest messages), in seq order with
//! unsent messages last. Updated incrementally as messages arrive, are acked or fail; never
//! reset after the first load. GUI thread.
class MessageListModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        ClientIdRole = Qt::UserRole + 1,
        MessageIdRole,
        SeqRole,
        SenderIdRole,
        TextRole,
        TimeRole, //!< ms since the epoch
        StateRole, //!< MessageState as int
        ErrorRole,
        IsOwnRole,
        SenderNameRole, //!< the sender's display name (groups show it)
        IsGroupRole,
        EventTextRole, //!< a group change, in words; empty for a message
        ReceiptRole, //!< own sent messages: Receipt as int (None, Delivered, Read)
        ReadByRole, //!< own messages in groups: how many others have read it
        ReadByNamesRole, //!< ... and who, as a list of names
        EditedRole, //!< bool: edited since it was sent
        DeletedRole, //!< bool: deleted for everyone (a tombstone; TextRole is empty)
        ReactionsRole, //!< QVariantList of QVariantMap: emoji, count, mine (bool), names
        ReplyToIdRole, //!< the server id of the message this one answers, 0: none
        ReplyPreviewRole, //!< that message: "Name: text" (or a word that it was deleted)
        MentionsMeRole, //!< bool: the text names the user (@username)
        //! QVariantList of QVariantMap, one per file: id (0 while ours is not uploaded), name,
        //! mimeType, size, thumbnail (JPEG bytes), width, height, localPath (when on this
        //! device), done (bytes moved while it goes up or down; -1 otherwise)
        AttachmentsRole,
    };
    //! How far an own message has got: to every other member's device, or read by all of them.
    enum class Receipt { None = 0, Delivered = 1, Read = 2 };
    Q_ENUM(Role)

    MessageListModel(ChatClient *client, quint64 conversationId, QObject *parent = nullptr);

    [[nodiscard]] quint64 conversationId() const { return m_conversationId; }
    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] bool canLoadOlder() const;
    void loadOlder();
    [[nodiscard]] ChatMessage messageAt(int row) const { return m_rows.value(row); }
    //! The row of a sent message, -1 when it is not loaded.
    [[nodiscard]] int rowOfSeq(quint64 seq) const;
    //! The row of a message by server id, -1 when it is not loaded.
    [[nodiscard]] int rowOfMessageId(quint64 messageId) const;
    //! The highest seq loaded (what a reader at the bottom has seen).
    [[nodiscard]] quint64 lastSeq() const;
    //! A group change as a sentence, with names from `names` (user id -> display name).
    [[nodiscard]] static QString describe(const GroupEvent &event, quint64 actorId,
                                          const QHash<quint64, QString> &names, quint64 self);
    //! A retention in words: "1 day", "1 week", "30 days", "1 year".
    [[nodiscard]] static QString retentionText(int days);

    static constexpr int kPageSize = 50;

private:
    void onAdded(const ChatMessage &message);
    void onChanged(const ChatMessage &message);
    void onRemoved(const QUuid &clientId);
    void onHistoryLoaded(quint64 conversationId, int count, bool hasMore);
    //! Retention deleted the entries up to purgedSeq: their rows go (they are the first ones).
    void onPurged(quint64 conversationId, quint64 purgedSeq);
    void onUploadProgress(const QUuid &clientId, qint64 done);
    //! done -1: no longer moving; path: where it is now, when it arrived.
    void onDownloadProgress(quint64 attachmentId, qint64 done, const QString &path = {});
    [[nodiscard]] int rowOf(const QUuid &clientId) const;
    void loadConversation(); //!< names, kind and receipts
    [[nodiscard]] QString nameOf(quint64 userId) const;
    [[nodiscard]] QString replyPreview(quint64 messageId) const;
    [[nodiscard]] int insertionRow(const ChatMessage &message) const;
    bool prependOlderFromCache();

    QPointer<ChatClient> m_client;
    const quint64 m_conversationId;
    QList<ChatMessage> m_rows;
    mutable QHash<quint64, QString> m_replyPreviews; //!< by the quoted message's id
    bool m_serverHasMore = true;
    bool m_fetching = false;
    bool m_inserting = false;
    bool m_isGroup = false;
    quint64 m_startSeq = 0; //!< history starts after it (the join, or what retention deleted)
    QHash<quint64, QString> m_names; //!< current members
    mutable QHash<quint64, QString> m_formerNames;
    QList<Confab::Client::Receipt> m_receipts;
    QHash<QUuid, qint64> m_uploaded; //!< own messages whose files go up: bytes up so far
    QHash<quint64, qint64> m_downloaded; //!< by attachment id
};

} // namespace Confab::Client
