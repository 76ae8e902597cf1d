#pragma once

#include "types.h"

#include <QAbstractListModel>
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
    };
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

    static constexpr int kPageSize = 50;

private:
    void onAdded(const ChatMessage &message);
    void onChanged(const ChatMessage &message);
    void onRemoved(const QUuid &clientId);
    void onHistoryLoaded(quint64 conversationId, int count, bool hasMore);
    [[nodiscard]] int rowOf(const QUuid &clientId) const;
    [[nodiscard]] int insertionRow(const ChatMessage &message) const;
    bool prependOlderFromCache();

    QPointer<ChatClient> m_client;
    const quint64 m_conversationId;
    QList<ChatMessage> m_rows;
    bool m_serverHasMore = true;
    bool m_fetching = false;
    bool m_inserting = false;
};

} // namespace Confab::Client
