#include "conversationlistmodel.h"

#include "chatclient.h"
#include "localcache.h"

#include <algorithm>

namespace Confab::Client {

ConversationListModel::ConversationListModel(ChatClient *client, QObject *parent)
    : QAbstractListModel(parent), m_client(client)
{
    // A sync page brings hundreds of messages at once: one refresh after the burst.
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(0);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ConversationListModel::refresh);
    auto schedule = [this] { m_refreshTimer.start(); };
    connect(client, &ChatClient::conversationsChanged, this, schedule);
    connect(client, &ChatClient::messageAdded, this, schedule);
    connect(client, &ChatClient::messageChanged, this, schedule);
    connect(client, &ChatClient::authenticated, this, &ConversationListModel::reload);
    connect(client, &ChatClient::presenceChanged, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1), { PresenceRole });
    });
    reload();
}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QString ConversationListModel::titleOf(const ConversationSummary &conversation) const
{
    if (conversation.isGroup || !m_client)
        return conversation.title;
    const quint64 me = m_client->currentUser().userId;
    for (const UserInfo &member : conversation.members)
        if (member.userId != me)
            return member.displayName.isEmpty() ? member.username : member.displayName;
    return conversation.title;
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConversationSummary &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return titleOf(c);
    case ConversationIdRole:
        return c.conversationId;
    case LastTextRole:
        if (c.lastDeleted)
            return tr("This message was deleted");
        if (!c.lastFileName.isEmpty())
            return tr("📎 %1").arg(c.lastFileName);
        return c.lastText;
    case LastActivityRole:
        return c.lastActivityMs;
    case UnreadCountRole:
        return c.unreadCount;
    case IsGroupRole:
        return c.isGroup;
    case PeerUsernameRole:
        for (const UserInfo &member : c.members)
            if (m_client && member.userId != m_client->currentUser().userId)
                return member.username;
        return QString();
    case PresenceRole:
        if (!c.isGroup && m_client)
            for (const UserInfo &member : c.members)
                if (member.userId != m_client->currentUser().userId)
                    return int(m_client->presence(member.userId).state);
        return int(PresenceState::Offline);
    default:
        return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return { { ConversationIdRole, "conversationId" },
             { TitleRole, "title" },
             { LastTextRole, "lastText" },
             { LastActivityRole, "lastActivity" },
             { UnreadCountRole, "unreadCount" },
             { IsGroupRole, "isGroup" },
             { PeerUsernameRole, "peerUsername" },
             { PresenceRole, "presence" } };
}

int ConversationListModel::rowOf(quint64 conversationId) const
{
    for (int row = 0; row < m_rows.size(); ++row)
        if (m_rows.at(row).conversationId == conversationId)
            return row;
    return -1;
}

void ConversationListModel::reload()
{
    beginResetModel();
    m_rows.clear();
    if (m_client && m_client->cache()) {
        if (auto all = m_client->cache()->conversations())
            m_rows = all.value();
    }
    endResetModel();
}

bool ConversationListModel::sameContent(const ConversationSummary &a, const ConversationSummary &b)
{
    return a.title == b.title && a.lastText == b.lastText && a.lastDeleted == b.lastDeleted
        && a.lastActivityMs == b.lastActivityMs && a.unreadCount == b.unreadCount
        && a.lastSeq == b.lastSeq && a.members.size() == b.members.size()
        && a.retentionDays == b.retentionDays && a.purgedSeq == b.purgedSeq;
}

void ConversationListModel::refresh()
{
    if (!m_client || !m_client->cache())
        return;
    auto fresh = m_client->cache()->conversations();
    if (!fresh)
        return;
    const QList<ConversationSummary> &next = fresh.value();
    // Rows that went away (rare: a conversation left), from the bottom up.
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const quint64 id = m_rows.at(row).conversationId;
        const bool kept = std::any_of(next.cbegin(), next.cend(),
                                      [id](const auto &c) { return c.conversationId == id; });
        if (!kept) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    // Then walk the new order: a row in place is updated, one elsewhere moves, a new one appears.
    for (int target = 0; target < next.size(); ++target) {
        const ConversationSummary &wanted = next.at(target);
        const int current = rowOf(wanted.conversationId);
        if (current == target) {
            if (!sameContent(m_rows.at(target), wanted)) {
                m_rows[target] = wanted;
                Q_EMIT dataChanged(index(target), index(target));
            }
        } else if (current > target) {
            beginMoveRows({}, current, current, {}, target);
            m_rows.move(current, target);
            endMoveRows();
            m_rows[target] = wanted;
            Q_EMIT dataChanged(index(target), index(target));
        } else {
            beginInsertRows({}, target, target);
            m_rows.insert(target, wanted);
            endInsertRows();
        }
    }
}

} // namespace Confab::Client
