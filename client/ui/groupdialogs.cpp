#include "groupdialogs.h"

#include "localcache.h"
#include "retentiondialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace Confab::Ui {

using Client::ChatClient;
using Client::Role;

// ----- create

CreateGroupDialog::CreateGroupDialog(ChatClient *client, QWidget *parent)
    : QDialog(parent), m_client(client)
{
    setWindowTitle(tr("New group"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("e.g. Family, Project Apollo"));
    m_name->setMaxLength(100);
    form->addRow(tr("Group name:"), m_name);
    layout->addLayout(form);

    // People already known (from other chats), to tick; anyone else by username.
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Search people you have chatted with"));
    m_filter->setClearButtonEnabled(true);
    m_people = new QListWidget(this);
    m_people->setAccessibleName(tr("People"));
    const quint64 self = m_client->currentUser().userId;
    if (m_client->cache()) {
        if (auto known = m_client->cache()->knownUsers()) {
            for (const auto &user : known.value()) {
                if (user.userId == self)
                    continue;
                const QString name = user.displayName.isEmpty() ? user.username : user.displayName;
                auto *item = new QListWidgetItem(QStringLiteral("%1  @%2").arg(name, user.username),
                                                 m_people);
                item->setData(Qt::UserRole, user.username);
                item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                item->setCheckState(Qt::Unchecked);
            }
        }
    }
    m_people->setVisible(m_people->count() > 0);
    m_filter->setVisible(m_people->count() > 0);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        for (int row = 0; row < m_people->count(); ++row)
            m_people->item(row)->setHidden(
                !m_people->item(row)->text().contains(text.trimmed(), Qt::CaseInsensitive));
    });
    layout->addWidget(m_filter);
    layout->addWidget(m_people, 1);
    m_members = new QLineEdit(this);
    m_members->setPlaceholderText(tr("Others, by username, separated by commas"));
    layout->addWidget(m_members);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_create = buttons->addButton(tr("Create"), QDialogButtonBox::AcceptRole);
    m_create->setEnabled(false);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_create, &QPushButton::clicked, this, &CreateGroupDialog::create);
    connect(m_name, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_create->setEnabled(!text.trimmed().isEmpty()); });
    connect(m_client, &ChatClient::groupChanged, this, [this](quint64 conversationId) {
        if (!m_waiting)
            return;
        m_waiting = false;
        m_created = conversationId;
        accept();
    });
    connect(m_client, &ChatClient::groupRequestFailed, this, [this](const Error &error) {
        if (!m_waiting)
            return;
        m_waiting = false;
        m_create->setEnabled(true);
        m_status->setText(error.message);
    });
    resize(440, m_people->count() > 0 ? 460 : sizeHint().height());
}

QStringList CreateGroupDialog::chosen() const
{
    QStringList names;
    for (int row = 0; row < m_people->count(); ++row)
        if (m_people->item(row)->checkState() == Qt::Checked)
            names.append(m_people->item(row)->data(Qt::UserRole).toString());
    for (const QString &name : parseUsernames(m_members->text()))
        if (!names.contains(name))
            names.append(name);
    return names;
}

QStringList CreateGroupDialog::parseUsernames(const QString &text)
{
    QStringList names;
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    for (QString name : text.split(separators, Qt::SkipEmptyParts)) {
        if (name.startsWith(QLatin1Char('@')))
            name.remove(0, 1);
        name = name.toLower();
        if (!name.isEmpty() && !names.contains(name))
            names.append(name);
    }
    return names;
}

void CreateGroupDialog::create()
{
    m_waiting = true;
    m_create->setEnabled(false);
    m_status->setText(tr("Creating the group…"));
    m_client->createGroup(m_name->text(), chosen());
}

// ----- info

GroupInfoDialog::GroupInfoDialog(ChatClient *client, quint64 conversationId, QWidget *parent)
    : QDialog(parent), m_client(client), m_conversationId(conversationId)
{
    setWindowTitle(tr("Group info"));
    auto *layout = new QVBoxLayout(this);
    auto *titleRow = new QHBoxLayout;
    m_title = new QLineEdit(this);
    m_title->setMaxLength(100);
    m_title->setAccessibleName(tr("Group name"));
    m_rename = new QPushButton(tr("Rename"), this);
    titleRow->addWidget(m_title, 1);
    titleRow->addWidget(m_rename);
    layout->addLayout(titleRow);

    m_list = new QListWidget(this);
    m_list->setAccessibleName(tr("Members"));
    layout->addWidget(m_list, 1);

    auto *memberButtons = new QHBoxLayout;
    m_promote = new QPushButton(this);
    m_remove = new QPushButton(tr("Remove from group"), this);
    memberButtons->addWidget(m_promote);
    memberButtons->addWidget(m_remove);
    memberButtons->addStretch(1);
    layout->addLayout(memberButtons);

    auto *addRow = new QHBoxLayout;
    m_add = new QLineEdit(this);
    m_add->setPlaceholderText(tr("Add people by username"));
    m_addButton = new QPushButton(tr("Add"), this);
    addRow->addWidget(m_add, 1);
    addRow->addWidget(m_addButton);
    layout->addLayout(addRow);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto *bottom = new QHBoxLayout;
    m_leave = new QPushButton(tr("Leave group"), this);
    m_retention = new QPushButton(tr("Disappearing messages…"), this);
    auto *close = new QPushButton(tr("Close"), this);
    bottom->addWidget(m_leave);
    bottom->addWidget(m_retention);
    bottom->addStretch(1);
    bottom->addWidget(close);
    layout->addLayout(bottom);

    connect(close, &QPushButton::clicked, this, &QDialog::accept);
    connect(m_rename, &QPushButton::clicked, this, [this] {
        m_status->setText(tr("Saving…"));
        m_client->renameGroup(m_conversationId, m_title->text());
    });
    connect(m_addButton, &QPushButton::clicked, this, [this] {
        const QStringList names = CreateGroupDialog::parseUsernames(m_add->text());
        if (names.isEmpty())
            return;
        m_status->setText(tr("Adding…"));
        m_client->addMembers(m_conversationId, names);
        m_add->clear();
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (const quint64 member = selectedMember()) {
            m_status->setText(tr("Removing…"));
            m_client->removeMember(m_conversationId, member);
        }
    });
    connect(m_promote, &QPushButton::clicked, this, [this] {
        if (const quint64 member = selectedMember()) {
            m_client->setRole(m_conversationId, member,
                              roleOf(member) == Role::Admin ? Role::Member : Role::Admin);
        }
    });
    connect(m_leave, &QPushButton::clicked, this, [this] {
        const auto answer = QMessageBox::question(
            this, tr("Leave group"),
            tr("Leave “%1”? You keep what was said so far, and get nothing new.")
                .arg(m_conversation.title));
        if (answer == QMessageBox::Yes)
            m_client->leaveGroup(m_conversationId);
    });
    connect(m_retention, &QPushButton::clicked, this, [this] {
        RetentionDialog dialog(m_client, m_conversationId, this);
        dialog.exec();
    });
    connect(m_list, &QListWidget::currentRowChanged, this, &GroupInfoDialog::updateButtons);
    connect(m_title, &QLineEdit::textChanged, this, &GroupInfoDialog::updateButtons);
    connect(m_client, &ChatClient::conversationsChanged, this, &GroupInfoDialog::reload);
    connect(m_client, &ChatClient::groupChanged, this, [this](quint64 conversationId) {
        if (conversationId == m_conversationId)
            m_status->clear();
    });
    connect(m_client, &ChatClient::groupRequestFailed, this,
            [this](const Error &error) { m_status->setText(error.message); });
    reload();
    resize(440, 480);
}

Role GroupInfoDialog::roleOf(quint64 userId) const
{
    for (const auto &member : m_conversation.members)
        if (member.userId == userId)
            return member.role;
    return Role::Member;
}

quint64 GroupInfoDialog::selectedMember() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toULongLong() : 0;
}

void GroupInfoDialog::reload()
{
    if (!m_client->cache())
        return;
    auto conversation = m_client->cache()->conversation(m_conversationId);
    if (!conversation)
        return;
    const quint64 selected = selectedMember();
    m_conversation = conversation.value();
    if (!m_title->hasFocus())
        m_title->setText(m_conversation.title);
    m_list->clear();
    const quint64 self = m_client->currentUser().userId;
    for (const auto &member : m_conversation.members) {
        QString label = member.displayName.isEmpty() ? member.username : member.displayName;
        label += QStringLiteral("  @") + member.username;
        if (member.userId == self)
            label += tr(" (you)");
        if (member.role == Role::Owner)
            label += QStringLiteral(" — ") + tr("owner");
        else if (member.role == Role::Admin)
            label += QStringLiteral(" — ") + tr("admin");
        auto *item = new QListWidgetItem(label, m_list);
        item->setData(Qt::UserRole, member.userId);
        if (member.userId == selected)
            m_list->setCurrentItem(item);
    }
    setWindowTitle(tr("%1 — %n member(s)", nullptr, int(m_conversation.members.size()))
                       .arg(m_conversation.title));
    updateButtons();
}

void GroupInfoDialog::updateButtons()
{
    const Role mine = roleOf(m_client->currentUser().userId);
    const bool member = !m_conversation.left;
    const bool manage = member && mine != Role::Member;
    m_title->setReadOnly(!manage);
    m_rename->setEnabled(manage && !m_title->text().trimmed().isEmpty()
                         && m_title->text().trimmed() != m_conversation.title);
    m_add->setEnabled(manage);
    m_addButton->setEnabled(manage);
    m_leave->setEnabled(member);
    const quint64 selected = selectedMember();
    const bool other = selected && selected != m_client->currentUser().userId;
    const Role theirs = roleOf(selected);
    m_remove->setEnabled(
        other && (mine == Role::Owner || (mine == Role::Admin && theirs == Role::Member)));
    m_promote->setText(theirs == Role::Admin ? tr("Make member") : tr("Make admin"));
    m_promote->setEnabled(other && mine == Role::Owner && theirs != Role::Owner);
    QString reason;
    m_retention->setEnabled(m_client->canSetRetention(m_conversationId, &reason));
    m_retention->setToolTip(reason);
    if (m_conversation.left)
        m_status->setText(tr("You are no longer a member of this group."));
}

} // namespace Confab::Ui
