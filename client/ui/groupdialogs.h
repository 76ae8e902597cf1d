#pragma once

#include "chatclient.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace Confab::Ui {

//! Creates a group: a name and the usernames of the first members. Waits for the server's
//! answer, showing progress, and reports a refusal in place. GUI thread.
class CreateGroupDialog final : public QDialog
{
    Q_OBJECT
public:
    CreateGroupDialog(Client::ChatClient *client, QWidget *parent = nullptr);
    [[nodiscard]] quint64 createdConversation() const { return m_created; }
    //! "alice, bob  carol" -> alice, bob, carol
    [[nodiscard]] static QStringList parseUsernames(const QString &text);
    //! The people this account knows, to tick (Qt::UserRole holds each one's username).
    [[nodiscard]] QListWidget *peopleList() const { return m_people; }

private:
    void create();

    [[nodiscard]] QStringList chosen() const; //!< ticked people plus typed usernames

    Client::ChatClient *const m_client;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_filter = nullptr;
    QListWidget *m_people = nullptr;
    QLineEdit *m_members = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_create = nullptr;
    quint64 m_created = 0;
    bool m_waiting = false;
};

//! A group's members and roles, and what the user's role allows: rename, add, remove, promote,
//! demote, disappearing messages, leave. Follows the group as it changes. GUI thread.
class GroupInfoDialog final : public QDialog
{
    Q_OBJECT
public:
    GroupInfoDialog(Client::ChatClient *client, quint64 conversationId, QWidget *parent = nullptr);

    [[nodiscard]] QListWidget *memberList() const { return m_list; }

private:
    void reload();
    [[nodiscard]] quint64 selectedMember() const;
    [[nodiscard]] Client::Role roleOf(quint64 userId) const;
    void updateButtons();

    Client::ChatClient *const m_client;
    const quint64 m_conversationId;
    Client::ConversationSummary m_conversation;
    QLineEdit *m_title = nullptr;
    QPushButton *m_rename = nullptr;
    QListWidget *m_list = nullptr;
    QLineEdit *m_add = nullptr;
    QPushButton *m_addButton = nullptr;
    QPushButton *m_remove = nullptr;
    QPushButton *m_promote = nullptr;
    QPushButton *m_leave = nullptr;
    QPushButton *m_retention = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace Confab::Ui
