#include "retentiondialog.h"

#include "localcache.h"
#include "messagelistmodel.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace Confab::Ui {

using Client::ChatClient;
using Client::MessageListModel;

RetentionDialog::RetentionDialog(ChatClient *client, quint64 conversationId, QWidget *parent)
    : QDialog(parent), m_client(client), m_conversationId(conversationId)
{
    setWindowTitle(tr("Disappearing messages"));
    if (client->cache())
        if (const auto conversation = client->cache()->conversation(conversationId))
            m_current = conversation.value().retentionDays;
    QString reason;
    m_allowed = client->canSetRetention(conversationId, &reason);
    const int serverDays = client->serverRetentionDays();
    const int minDays = int(client->limits().minRetentionDays);

    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("When this is on, messages in this chat are deleted for "
                                "everyone, on every device, once they are older than the time "
                                "chosen here."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    layout->addSpacing(4);

    m_group = new QButtonGroup(this);
    for (const int days : choices(m_current)) {
        auto *choice =
            new QRadioButton(days == 0 ? tr("Off") : MessageListModel::retentionText(days), this);
        const bool allowed = isAllowed(days, minDays, serverDays) || days == m_current;
        choice->setEnabled(m_allowed && allowed);
        if (!allowed)
            choice->setToolTip(days < minDays
                                   ? tr("This server allows %1 at the shortest.")
                                         .arg(MessageListModel::retentionText(minDays))
                                   : tr("This server keeps messages for %1 at most.")
                                         .arg(MessageListModel::retentionText(serverDays)));
        choice->setChecked(days == m_current);
        m_group->addButton(choice, days);
        layout->addWidget(choice);
    }
    connect(m_group, &QButtonGroup::idToggled, this, &RetentionDialog::updateButtons);

    if (serverDays > 0) {
        auto *server = new QLabel(tr("This server deletes every message after %1, whatever is "
                                     "chosen here.")
                                      .arg(MessageListModel::retentionText(serverDays)),
                                  this);
        server->setWordWrap(true);
        layout->addSpacing(4);
        layout->addWidget(server);
    }
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setText(reason);
    layout->addWidget(m_status);
    layout->addStretch(1);

    auto *buttons =
        new QDialogButtonBox(m_allowed ? QDialogButtonBox::Cancel : QDialogButtonBox::Close, this);
    if (m_allowed)
        m_save = buttons->addButton(tr("Save"), QDialogButtonBox::AcceptRole);
    else
        m_save = new QPushButton(this); // never shown: callers may ask for it
    m_save->setVisible(m_allowed);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_save, &QPushButton::clicked, this, &RetentionDialog::save);
    layout->addWidget(buttons);

    connect(m_client, &ChatClient::groupChanged, this, [this](quint64 conversationId) {
        if (!m_waiting || conversationId != m_conversationId)
            return;
        m_waiting = false;
        accept();
    });
    connect(m_client, &ChatClient::groupRequestFailed, this, [this](const Error &error) {
        if (!m_waiting)
            return;
        m_waiting = false;
        m_status->setText(error.message);
        updateButtons();
    });
    updateButtons();
    setMinimumWidth(380);
}

QList<int> RetentionDialog::choices(int current)
{
    QList<int> days { 0, 1, 7, 30, 90, 365 };
    if (current > 0 && !days.contains(current)) // set elsewhere: shown as it is
        days.insert(std::lower_bound(days.begin(), days.end(), current), current);
    return days;
}

bool RetentionDialog::isAllowed(int days, int minDays, int maxDays)
{
    return days == 0 || (days >= minDays && (maxDays <= 0 || days <= maxDays));
}

int RetentionDialog::chosenDays() const
{
    return std::max(m_group->checkedId(), 0);
}

bool RetentionDialog::choose(int days)
{
    QAbstractButton *button = m_group->button(days);
    if (!button || !button->isEnabled())
        return false;
    button->setChecked(true);
    return true;
}

void RetentionDialog::updateButtons()
{
    m_save->setEnabled(m_allowed && !m_waiting && m_group->checkedId() >= 0
                       && chosenDays() != m_current);
}

void RetentionDialog::save()
{
    m_waiting = true;
    m_status->setText(tr("Saving…"));
    updateButtons();
    m_client->setRetention(m_conversationId, chosenDays());
}

} // namespace Confab::Ui
