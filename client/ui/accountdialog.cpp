#include "accountdialog.h"

#include "chatclient.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <utility>

namespace Confab::Ui {

namespace {

constexpr int kSessionIdRole = Qt::UserRole;
constexpr int kCurrentRole = Qt::UserRole + 1;
constexpr int kMinPasswordBytes = 8; // AccountRules on the server; it checks again

QString when(const QDateTime &time)
{
    const QLocale locale;
    const QDateTime local = time.toLocalTime();
    if (local.date() == QDate::currentDate())
        return AccountDialog::tr("Today, %1")
            .arg(locale.toString(local.time(), QLocale::ShortFormat));
    return locale.toString(local, QLocale::ShortFormat);
}

} // namespace

AccountDialog::AccountDialog(Client::ChatClient *client, QWidget *parent)
    : QDialog(parent), m_client(client)
{
    setWindowTitle(tr("Account and Devices"));
    const Client::UserInfo user = client->currentUser();
    const QUrl server = client->serverUrl();
    auto *who = new QLabel(
        tr("Signed in as <b>%1</b> on %2")
            .arg(user.username.toHtmlEscaped(),
                 (server.host()
                  + (server.port() > 0 ? QStringLiteral(":%1").arg(server.port()) : QString()))
                     .toHtmlEscaped()),
        this);
    who->setWordWrap(true);

    auto *devices = new QGroupBox(tr("Devices signed in to this account"), this);
    m_devices = new QTreeWidget(devices);
    m_devices->setAccessibleName(tr("Devices"));
    m_devices->setHeaderLabels({ tr("Device"), tr("App"), tr("Last active") });
    m_devices->setRootIsDecorated(false);
    m_devices->setUniformRowHeights(true);
    m_devices->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_devices->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_devices->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_devices->setMinimumHeight(140);
    m_signOutDevice = new QPushButton(tr("Sign Out Device"), devices);
    m_signOutDevice->setToolTip(tr("Its session ends at once; it must sign in again"));
    m_signOutOthers = new QPushButton(tr("Sign Out All Other Devices"), devices);
    auto *deviceButtons = new QHBoxLayout;
    deviceButtons->addWidget(m_signOutDevice);
    deviceButtons->addWidget(m_signOutOthers);
    deviceButtons->addStretch();
    auto *devicesLayout = new QVBoxLayout(devices);
    devicesLayout->addWidget(m_devices);
    devicesLayout->addLayout(deviceButtons);

    auto *password = new QGroupBox(tr("Password"), this);
    m_changePassword = new QPushButton(tr("Change Password…"), password);
    auto *passwordNote =
        new QLabel(tr("Changing it signs out every other device of this account."), password);
    passwordNote->setWordWrap(true);
    passwordNote->setEnabled(false);
    auto *passwordLayout = new QHBoxLayout(password);
    passwordLayout->addWidget(m_changePassword);
    passwordLayout->addWidget(passwordNote, 1);

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_signOut = buttons->addButton(tr("Sign Out of This Device…"), QDialogButtonBox::ResetRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(who);
    layout->addWidget(devices, 1);
    layout->addWidget(password);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(640, 420);

    connect(m_devices, &QTreeWidget::itemSelectionChanged, this, &AccountDialog::updateButtons);
    connect(m_signOutDevice, &QPushButton::clicked, this, [this] {
        const QTreeWidgetItem *item = m_devices->currentItem();
        if (!item || item->data(0, kCurrentRole).toBool())
            return;
        showStatus(tr("Signing that device out…"), false);
        m_waiting = true;
        m_client->revokeSession(item->data(0, kSessionIdRole).toByteArray());
    });
    connect(m_signOutOthers, &QPushButton::clicked, this, [this] {
        showStatus(tr("Signing the other devices out…"), false);
        m_waiting = true;
        m_client->revokeOtherSessions();
    });
    connect(m_changePassword, &QPushButton::clicked, this, [this] {
        auto *dialog = new ChangePasswordDialog(m_client, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this] {
            showStatus(tr("Password changed. Every other device was signed out."), false);
            refresh();
        });
        dialog->open();
    });
    connect(m_signOut, &QPushButton::clicked, this, [this] {
        auto *confirm = new QMessageBox(
            QMessageBox::Question, tr("Sign Out"),
            tr("Sign out of this device? Your chats stay here; messages not yet sent are sent "
               "when you sign in again."),
            QMessageBox::Cancel, this);
        confirm->setAttribute(Qt::WA_DeleteOnClose);
        QPushButton *signOut = confirm->addButton(tr("Sign Out"), QMessageBox::AcceptRole);
        confirm->setDefaultButton(QMessageBox::Cancel);
        connect(signOut, &QPushButton::clicked, this, [this] {
            Q_EMIT signOutRequested();
            accept();
        });
        confirm->open();
    });

    connect(client, &Client::ChatClient::sessionsListed, this, &AccountDialog::showSessions);
    connect(client, &Client::ChatClient::sessionsRevoked, this, [this] {
        m_waiting = false;
        showStatus(tr("Signed out."), false);
        refresh();
    });
    // Failures of this dialog's own requests (ChangePasswordDialog shows its own).
    connect(client, &Client::ChatClient::accountRequestFailed, this,
            [this](const Confab::Error &error) {
                if (!std::exchange(m_waiting, false))
                    return;
                showStatus(error.message, true);
            });
    updateButtons();
    refresh();
}

QString AccountDialog::statusText() const
{
    return m_status->isHidden() ? QString() : m_status->text();
}

void AccountDialog::refresh()
{
    m_waiting = true;
    m_client->listSessions();
}

void AccountDialog::showSessions(const QList<Client::SessionInfo> &sessions)
{
    m_waiting = false;
    m_devices->clear();
    for (const Client::SessionInfo &session : sessions) {
        const QString app = session.clientName == QLatin1String("confab")
            ? tr("Confab %1").arg(session.clientVersion)
            : QStringLiteral("%1 %2").arg(session.clientName, session.clientVersion).trimmed();
        const QString name =
            session.deviceName.isEmpty() ? tr("Unknown device") : session.deviceName;
        auto *item = new QTreeWidgetItem(m_devices);
        item->setText(0, name);
        item->setText(1, app);
        item->setText(2,
                      session.current      ? tr("This device")
                          : session.online ? tr("Online now")
                                           : when(session.lastSeen));
        item->setToolTip(0,
                         tr("Signed in %1; the session lasts until %2")
                             .arg(when(session.created), when(session.expires)));
        item->setData(0, kSessionIdRole, session.id);
        item->setData(0, kCurrentRole, session.current);
        if (session.current) {
            QFont bold = item->font(0);
            bold.setBold(true);
            item->setFont(0, bold);
        }
    }
    updateButtons();
}

void AccountDialog::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
    m_status->show();
}

void AccountDialog::updateButtons()
{
    const QTreeWidgetItem *item = m_devices->currentItem();
    m_signOutDevice->setEnabled(item && item->isSelected()
                                && !item->data(0, kCurrentRole).toBool());
    m_signOutOthers->setEnabled(m_devices->topLevelItemCount() > 1);
}

ChangePasswordDialog::ChangePasswordDialog(Client::ChatClient *client, QWidget *parent)
    : QDialog(parent), m_client(client)
{
    setWindowTitle(tr("Change Password"));
    m_current = new QLineEdit(this);
    m_new = new QLineEdit(this);
    m_repeat = new QLineEdit(this);
    for (QLineEdit *field : { m_current, m_new, m_repeat })
        field->setEchoMode(QLineEdit::Password);
    m_current->setAccessibleName(tr("Current password"));
    m_new->setAccessibleName(tr("New password"));
    m_repeat->setAccessibleName(tr("New password again"));
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_error->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("&Current password:"), m_current);
    form->addRow(tr("&New password:"), m_new);
    form->addRow(tr("&Repeat it:"), m_repeat);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_change = buttons->addButton(tr("Change Password"), QDialogButtonBox::AcceptRole);
    m_change->setDefault(true);
    connect(m_change, &QPushButton::clicked, this, &ChangePasswordDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setMinimumWidth(380);

    connect(client, &Client::ChatClient::passwordChanged, this, &QDialog::accept);
    connect(client, &Client::ChatClient::accountRequestFailed, this,
            [this](const Confab::Error &error) {
                if (m_change->isEnabled())
                    return; // not an answer to this dialog's request
                m_change->setEnabled(true);
                showError(error.message);
            });
}

QString ChangePasswordDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void ChangePasswordDialog::submit()
{
    if (m_current->text().isEmpty()) {
        showError(tr("Enter your current password."));
        return;
    }
    if (m_new->text().toUtf8().size() < kMinPasswordBytes) {
        showError(tr("The new password needs at least %n characters.", nullptr, kMinPasswordBytes));
        return;
    }
    if (m_new->text() != m_repeat->text()) {
        showError(tr("The two new passwords differ."));
        return;
    }
    m_error->hide();
    m_change->setEnabled(false);
    m_client->changePassword(m_current->text(), m_new->text());
}

void ChangePasswordDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

} // namespace Confab::Ui
