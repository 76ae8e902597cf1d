#pragma once

#include "types.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QTimer>

namespace Confab::Client {

class ChatClient;

//! The conversation list for the views: most recent activity first, updated incrementally (row
//! inserts, moves and dataChanged; a reset only when the account changes). GUI thread.
class ConversationListModel final : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        ConversationIdRole = Qt::UserRole + 1,
        TitleRole, //!< the group's name, or the other member's display name
        LastTextRole,
        LastActivityRole, //!< ms since the epoch
        UnreadCountRole,
        IsGroupRole,
        PeerUsernameRole, //!< direct conversations: the other member
        PresenceRole, //!< direct conversations: the other member's PresenceState as int
    };
    Q_ENUM(Role)

    explicit ConversationListModel(ChatClient *client, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;
    [[nodiscard]] int rowOf(quint64 conversationId) const;

    //! Re-reads the list from the cache and applies the difference.
    void refresh();

private:
    void reload();
    [[nodiscard]] QString titleOf(const ConversationSummary &conversation) const;
    [[nodiscard]] static bool sameContent(const ConversationSummary &a,
                                          const ConversationSummary &b);

    QPointer<ChatClient> m_client;
    QList<ConversationSummary> m_rows;
    QTimer m_refreshTimer;
};

} // namespace Confab::Client
