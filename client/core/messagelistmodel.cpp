#include "messagelistmodel.h"

#include "chatclient.h"
#include "localcache.h"

#include <algorithm>

namespace Confab::Client {

MessageListModel::MessageListModel(ChatClient *client, quint64 conversationId, QObject *parent)
    : QAbstractListModel(parent), m_client(client), m_conversationId(conversationId)
{
    connect(client, &ChatClient::messageAdded, this, &MessageListModel::onAdded);
    connect(client, &ChatClient::messageChanged, this, &MessageListModel::onChanged);
    connect(client, &ChatClient::messageRemoved, this, &MessageListModel::onRemoved);
    connect(client, &ChatClient::historyLoaded, this, &MessageListModel::onHistoryLoaded);
    if (client->cache()) {
        if (auto page = client->cache()->messages(conversationId, 0, kPageSize))
            m_rows = page.value();
    }
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ChatMessage &m = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return m.text;
    case ClientIdRole:
        return m.clientId;
    case MessageIdRole:
        return m.messageId;
    case SeqRole:
        return m.seq;
    case SenderIdRole:
        return m.senderId;
    case TimeRole:
        return m.timeMs;
    case StateRole:
        return int(m.state);
    case ErrorRole:
        return m.error;
    case IsOwnRole:
        return m_client && m.senderId == m_client->currentUser().userId;
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return { { ClientIdRole, "clientId" }, { MessageIdRole, "messageId" }, { SeqRole, "seq" },
             { SenderIdRole, "senderId" }, { TextRole, "text" },           { TimeRole, "time" },
             { StateRole, "state" },       { ErrorRole, "error" },         { IsOwnRole, "isOwn" } };
}

int MessageListModel::rowOf(const QUuid &clientId) const
{
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) // new activity is at the bottom
        if (m_rows.at(row).clientId == clientId)
            return row;
    return -1;
}

int MessageListModel::rowOfSeq(quint64 seq) const
{
    const auto it =
        std::lower_bound(m_rows.cbegin(), m_rows.cend(), seq, [](const ChatMessage &m, quint64 s) {
            return m.seq != 0
                && m.seq < s; // sent ones are sorted by seq; unsent ones (0) come last
        });
    return it != m_rows.cend() && it->seq == seq ? int(it - m_rows.cbegin()) : -1;
}

int MessageListModel::insertionRow(const ChatMessage &message) const
{
    if (message.seq == 0) // unsent: after everything
        return int(m_rows.size());
    // Sent messages are ordered by seq and come before the unsent ones.
    int row = int(m_rows.size());
    while (row > 0 && (m_rows.at(row - 1).seq == 0 || m_rows.at(row - 1).seq > message.seq))
        --row;
    return row;
}

void MessageListModel::onAdded(const ChatMessage &message)
{
    if (message.conversationId != m_conversationId)
        return;
    if (const int existing = rowOf(message.clientId); existing >= 0)
        return onChanged(message);
    // A message older than what is shown belongs to history not loaded yet: fetchMore gets it.
    if (message.seq != 0 && !m_rows.isEmpty() && m_rows.first().seq != 0
        && message.seq < m_rows.first().seq)
        return;
    const int row = insertionRow(message);
    beginInsertRows({}, row, row);
    m_rows.insert(row, message);
    endInsertRows();
}

void MessageListModel::onChanged(const ChatMessage &message)
{
    int row = rowOf(message.clientId);
    if (row < 0) {
        if (message.conversationId == m_conversationId)
            onAdded(message);
        return;
    }
    m_rows[row] = message;
    // An ack gives the message its seq: it may have to move among the sent ones.
    const int wanted = [&] {
        ChatMessage probe = message;
        m_rows.removeAt(row);
        const int target = insertionRow(probe);
        m_rows.insert(row, probe);
        return target;
    }();
    if (wanted != row) {
        const int destination = wanted > row ? wanted + 1 : wanted;
        beginMoveRows({}, row, row, {}, destination);
        m_rows.move(row, wanted);
        endMoveRows();
        row = wanted;
    }
    Q_EMIT dataChanged(index(row), index(row));
}

void MessageListModel::onRemoved(const QUuid &clientId)
{
    const int row = rowOf(clientId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

bool MessageListModel::canLoadOlder() const
{
    if (m_fetching || m_inserting)
        return false;
    const quint64 oldest = m_rows.isEmpty() || m_rows.first().seq == 0 ? 0 : m_rows.first().seq;
    return oldest != 1 && (m_serverHasMore || oldest > 1);
}

bool MessageListModel::prependOlderFromCache()
{
    if (!m_client || !m_client->cache() || m_rows.isEmpty() || m_rows.first().seq <= 1)
        return false;
    auto older = m_client->cache()->messages(m_conversationId, m_rows.first().seq, kPageSize);
    if (!older || older.value().isEmpty())
        return false;
    // Only what joins on without a hole; a gap is the server's to fill.
    QList<ChatMessage> page = older.value();
    if (page.last().seq + 1 != m_rows.first().seq)
        return false;
    // Views may ask for more from the insertion signals, before m_rows has changed.
    m_inserting = true;
    beginInsertRows({}, 0, int(page.size()) - 1);
    m_rows = page + m_rows;
    endInsertRows();
    m_inserting = false;
    return true;
}

void MessageListModel::loadOlder()
{
    if (!m_client || m_fetching || m_inserting)
        return;
    if (prependOlderFromCache())
        return;
    m_fetching = true;
    m_client->fetchOlder(m_conversationId, kPageSize);
}

void MessageListModel::onHistoryLoaded(quint64 conversationId, int count, bool hasMore)
{
    if (conversationId != m_conversationId)
        return;
    m_fetching = false;
    m_serverHasMore = hasMore;
    if (count > 0)
        prependOlderFromCache();
}

} // namespace Confab::Client
