#include "messagelistmodel.h"

#include "chatclient.h"
#include "localcache.h"

#include <QLocale>

#include <algorithm>

namespace Confab::Client {

MessageListModel::MessageListModel(ChatClient *client, quint64 conversationId, QObject *parent)
    : QAbstractListModel(parent), m_client(client), m_conversationId(conversationId)
{
    connect(client, &ChatClient::messageAdded, this, &MessageListModel::onAdded);
    connect(client, &ChatClient::messageChanged, this, &MessageListModel::onChanged);
    connect(client, &ChatClient::messageRemoved, this, &MessageListModel::onRemoved);
    connect(client, &ChatClient::historyLoaded, this, &MessageListModel::onHistoryLoaded);
    connect(client, &ChatClient::historyPurged, this, &MessageListModel::onPurged);
    connect(
        client, &ChatClient::uploadProgress, this,
        [this](const QUuid &clientId, qint64 done, qint64) { onUploadProgress(clientId, done); });
    connect(client, &ChatClient::downloadProgress, this,
            [this](quint64 id, qint64 done, qint64) { onDownloadProgress(id, done); });
    connect(client, &ChatClient::downloadFinished, this,
            [this](quint64 id, const QString &path) { onDownloadProgress(id, -1, path); });
    connect(client, &ChatClient::downloadFailed, this,
            [this](quint64 id, const Confab::Error &) { onDownloadProgress(id, -1); });
    connect(client, &ChatClient::downloadCancelled, this,
            [this](quint64 id) { onDownloadProgress(id, -1); });
    connect(client, &ChatClient::receiptsChanged, this, [this](quint64 conversationId) {
        if (conversationId != m_conversationId || m_rows.isEmpty())
            return;
        if (auto receipts = m_client->cache()->receipts(m_conversationId))
            m_receipts = receipts.value();
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1),
                           { ReceiptRole, ReadByRole, ReadByNamesRole });
    });
    connect(client, &ChatClient::conversationsChanged, this, [this] {
        const auto names = m_names;
        loadConversation();
        if (names != m_names && !m_rows.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1));
    });
    loadConversation();
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
    case SenderNameRole:
        return nameOf(m.senderId);
    case IsGroupRole:
        return m_isGroup;
    case EventTextRole: {
        if (!m.event.isValid() || !m_client)
            return QString();
        QHash<quint64, QString> names;
        for (quint64 userId : m.event.userIds)
            names.insert(userId, nameOf(userId));
        names.insert(m.senderId, nameOf(m.senderId));
        return describe(m.event, m.senderId, names, m_client->currentUser().userId);
    }
    case ReceiptRole:
    case ReadByRole:
    case ReadByNamesRole: {
        if (!m_client || m.senderId != m_client->currentUser().userId || m.seq == 0)
            return role == ReadByNamesRole ? QVariant(QStringList()) : QVariant(0);
        int others = 0;
        int delivered = 0;
        QStringList readers;
        for (const auto &receipt : m_receipts) {
            if (receipt.userId == m.senderId || !m_names.contains(receipt.userId))
                continue; // one's own, or someone no longer in the group
            if (receipt.deliveredSeq >= m.seq)
                ++delivered;
            if (receipt.readSeq >= m.seq)
                readers.append(nameOf(receipt.userId));
        }
        for (auto it = m_names.cbegin(); it != m_names.cend(); ++it)
            others += it.key() != m.senderId ? 1 : 0;
        if (role == ReadByRole)
            return int(readers.size());
        if (role == ReadByNamesRole)
            return readers;
        if (others > 0 && readers.size() >= others)
            return int(Receipt::Read);
        if (others > 0 && delivered >= others)
            return int(Receipt::Delivered);
        return int(Receipt::None);
    }
    case EditedRole:
        return m.editedMs != 0;
    case DeletedRole:
        return m.deleted;
    case ReactionsRole: {
        QVariantList reactions;
        const quint64 self = m_client ? m_client->currentUser().userId : 0;
        for (const Reaction &reaction : m.reactions) {
            QStringList names;
            for (quint64 userId : reaction.userIds)
                names.append(userId == self ? tr("You") : nameOf(userId));
            reactions.append(
                QVariantMap { { QStringLiteral("emoji"), reaction.emoji },
                              { QStringLiteral("count"), reaction.userIds.size() },
                              { QStringLiteral("mine"), reaction.userIds.contains(self) },
                              { QStringLiteral("names"), names } });
        }
        return reactions;
    }
    case ReplyToIdRole:
        return m.replyToId;
    case ReplyPreviewRole:
        return replyPreview(m.replyToId);
    case MentionsMeRole:
        return m_client && m.mentions.contains(m_client->currentUser().userId);
    case AttachmentsRole: {
        QVariantList files;
        // Ours going up: the bytes so far count over the files in order.
        qint64 up = m.state == MessageState::Sending ? m_uploaded.value(m.clientId, -1) : -1;
        for (const AttachmentInfo &a : m.attachments) {
            qint64 done = -1;
            if (a.attachmentId == 0 && up >= 0)
                done = up; // the file going up now (the ones before it have their ids)
            else if (a.attachmentId != 0)
                done = m_downloaded.value(a.attachmentId, -1);
            if (a.attachmentId == 0)
                up = -1; // the files after it wait
            files.append(QVariantMap { { QStringLiteral("id"), a.attachmentId },
                                       { QStringLiteral("name"), a.name },
                                       { QStringLiteral("mimeType"), a.mimeType },
                                       { QStringLiteral("size"), a.size },
                                       { QStringLiteral("thumbnail"), a.thumbnail },
                                       { QStringLiteral("width"), a.width },
                                       { QStringLiteral("height"), a.height },
                                       { QStringLiteral("localPath"), a.localPath },
                                       { QStringLiteral("done"), done } });
        }
        return files;
    }
    default:
        return {};
    }
}

void MessageListModel::loadConversation()
{
    if (!m_client || !m_client->cache())
        return;
    auto conversation = m_client->cache()->conversation(m_conversationId);
    if (!conversation)
        return;
    m_isGroup = conversation.value().isGroup;
    m_startSeq = std::max(conversation.value().joinedSeq, conversation.value().purgedSeq);
    m_receipts = conversation.value().receipts;
    m_names.clear();
    for (const UserInfo &member : conversation.value().members)
        m_names.insert(member.userId,
                       member.displayName.isEmpty() ? member.username : member.displayName);
}

QString MessageListModel::replyPreview(quint64 messageId) const
{
    if (messageId == 0 || !m_client || !m_client->cache())
        return {};
    if (const auto known = m_replyPreviews.constFind(messageId); known != m_replyPreviews.cend())
        return *known;
    QString preview;
    const auto quoted = m_client->cache()->messageById(messageId);
    if (!quoted) {
        preview = tr("An earlier message");
    } else if (quoted.value().deleted) {
        preview = tr("%1: (deleted message)").arg(nameOf(quoted.value().senderId));
    } else {
        QString text = quoted.value().text.simplified();
        if (text.size() > 100)
            text = text.left(99) + u'…';
        preview = tr("%1: %2").arg(nameOf(quoted.value().senderId), text);
    }
    m_replyPreviews.insert(messageId, preview);
    return preview;
}

QString MessageListModel::nameOf(quint64 userId) const
{
    QString name = m_names.value(userId);
    if (name.isEmpty())
        name = m_formerNames.value(userId);
    if (name.isEmpty() && m_client && m_client->cache()) {
        name = m_client->cache()->displayName(userId); // a former member: looked up once
        m_formerNames.insert(userId, name);
    }
    return name.isEmpty() ? tr("Someone") : name;
}

quint64 MessageListModel::lastSeq() const
{
    for (auto it = m_rows.crbegin(); it != m_rows.crend(); ++it)
        if (it->seq != 0)
            return it->seq;
    return 0;
}

QString MessageListModel::describe(const GroupEvent &event, quint64 actorId,
                                   const QHash<quint64, QString> &names, quint64 self)
{
    auto name = [&](quint64 userId) {
        if (userId == self)
            return tr("You");
        const QString known = names.value(userId);
        return known.isEmpty() ? tr("Someone") : known;
    };
    QStringList people;
    for (quint64 userId : event.userIds)
        people.append(name(userId));
    const QString actor = name(actorId);
    const QString list = QLocale().createSeparatedList(people);
    switch (event.kind) {
    case GroupEvent::Kind::Created:
        return tr("%1 created the group “%2”").arg(actor, event.title);
    case GroupEvent::Kind::Renamed:
        return tr("%1 renamed the group to “%2”").arg(actor, event.title);
    case GroupEvent::Kind::MembersAdded:
        return tr("%1 added %2").arg(actor, list);
    case GroupEvent::Kind::MemberRemoved:
        return tr("%1 removed %2").arg(actor, list);
    case GroupEvent::Kind::MemberLeft:
        return people.isEmpty() ? tr("%1 left").arg(actor)
                                : tr("%1 left; %2 is now the owner").arg(actor, list);
    case GroupEvent::Kind::RoleChanged:
        switch (event.role) {
        case Client::Role::Owner:
            return tr("%1 made %2 the owner").arg(actor, list);
        case Client::Role::Admin:
            return tr("%1 made %2 an admin").arg(actor, list);
        case Client::Role::Member:
            return tr("%1 made %2 a member").arg(actor, list);
        }
        break;
    case GroupEvent::Kind::RetentionSet:
        return event.retentionDays > 0 ? tr("%1 set messages to disappear after %2")
                                             .arg(actor, retentionText(event.retentionDays))
                                       : tr("%1 turned off disappearing messages").arg(actor);
    case GroupEvent::Kind::None:
        break;
    }
    return {};
}

QString MessageListModel::retentionText(int days)
{
    if (days >= 365 && days % 365 == 0)
        return tr("%n year(s)", nullptr, days / 365);
    if (days >= 7 && days < 30 && days % 7 == 0)
        return tr("%n week(s)", nullptr, days / 7);
    return tr("%n day(s)", nullptr, days);
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return { { ClientIdRole, "clientId" },
             { MessageIdRole, "messageId" },
             { SeqRole, "seq" },
             { SenderIdRole, "senderId" },
             { TextRole, "text" },
             { TimeRole, "time" },
             { StateRole, "state" },
             { ErrorRole, "error" },
             { IsOwnRole, "isOwn" },
             { SenderNameRole, "senderName" },
             { IsGroupRole, "isGroup" },
             { EventTextRole, "eventText" },
             { ReceiptRole, "receipt" },
             { ReadByRole, "readBy" },
             { ReadByNamesRole, "readByNames" },
             { EditedRole, "edited" },
             { DeletedRole, "deleted" },
             { ReactionsRole, "reactions" },
             { ReplyToIdRole, "replyToId" },
             { ReplyPreviewRole, "replyPreview" },
             { MentionsMeRole, "mentionsMe" },
             { AttachmentsRole, "attachments" } };
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

int MessageListModel::rowOfMessageId(quint64 messageId) const
{
    if (messageId == 0)
        return -1;
    for (int row = int(m_rows.size()) - 1; row >= 0; --row)
        if (m_rows.at(row).messageId == messageId)
            return row;
    return -1;
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
    // Change entries are not rows: their targets change (onChanged).
    if (message.conversationId != m_conversationId || message.isChange())
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

void MessageListModel::onUploadProgress(const QUuid &clientId, qint64 done)
{
    const int row = rowOf(clientId);
    if (row < 0)
        return;
    m_uploaded.insert(clientId, done);
    Q_EMIT dataChanged(index(row), index(row), { AttachmentsRole });
}

void MessageListModel::onDownloadProgress(quint64 attachmentId, qint64 done, const QString &path)
{
    if (done < 0)
        m_downloaded.remove(attachmentId);
    else
        m_downloaded.insert(attachmentId, done);
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        auto &files = m_rows[row].attachments;
        for (AttachmentInfo &a : files) {
            if (a.attachmentId != attachmentId)
                continue;
            if (!path.isEmpty())
                a.localPath = path;
            Q_EMIT dataChanged(index(row), index(row), { AttachmentsRole });
            return;
        }
    }
}

void MessageListModel::onChanged(const ChatMessage &message)
{
    if (message.isChange())
        return;
    if (message.messageId != 0 && m_replyPreviews.remove(message.messageId) > 0) {
        // Replies quoting it show its new text (or that it was deleted).
        for (int i = 0; i < m_rows.size(); ++i)
            if (m_rows.at(i).replyToId == message.messageId)
                Q_EMIT dataChanged(index(i), index(i), { ReplyPreviewRole });
    }
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
    m_uploaded.remove(clientId);
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
    if (oldest != 0 && oldest <= m_startSeq + 1)
        return false; // the first there is (after the join, or what retention deleted)
    return m_serverHasMore || oldest > 1;
}

void MessageListModel::onPurged(quint64 conversationId, quint64 purgedSeq)
{
    if (conversationId != m_conversationId)
        return;
    m_startSeq = std::max(m_startSeq, purgedSeq);
    // Sent rows are in seq order and come first: the deleted ones are a block at the top.
    int count = 0;
    while (count < m_rows.size() && m_rows.at(count).seq != 0 && m_rows.at(count).seq <= purgedSeq)
        ++count;
    if (count > 0) {
        beginRemoveRows({}, 0, count - 1);
        m_rows.remove(0, count);
        endRemoveRows();
    }
    // Replies to what went quote "an earlier message" now.
    m_replyPreviews.clear();
    for (int row = 0; row < m_rows.size(); ++row)
        if (m_rows.at(row).replyToId != 0)
            Q_EMIT dataChanged(index(row), index(row), { ReplyPreviewRole });
}

bool MessageListModel::prependOlderFromCache()
{
    if (!m_client || !m_client->cache() || m_rows.isEmpty() || m_rows.first().seq <= m_startSeq + 1)
        return false;
    auto older = m_client->cache()->messages(m_conversationId, m_rows.first().seq, kPageSize);
    if (!older || older.value().isEmpty())
        return false;
    // Only what joins on without a hole; a gap is the server's to fill. (Seqs in between may
    // be change entries, which are held but never rows.)
    QList<ChatMessage> page = older.value();
    if (!m_client->cache()->holdsAllBetween(m_conversationId, page.last().seq, m_rows.first().seq))
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
