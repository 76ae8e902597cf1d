#pragma once

#include "types.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace Confab::Client {
class ChatClient;
}

namespace Confab::Ui {

//! The account on this server: the devices signed in to it (each can be signed out from here,
//! or all but this one at once), the password, and signing this device out. Everything goes
//! through the server, so it needs a connection; errors are shown in the dialog.
class AccountDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit AccountDialog(Client::ChatClient *client, QWidget *parent = nullptr);

    QTreeWidget *deviceList() const { return m_devices; }
    QPushButton *signOutDeviceButton() const { return m_signOutDevice; }
    QPushButton *signOutOthersButton() const { return m_signOutOthers; }
    QPushButton *changePasswordButton() const { return m_changePassword; }
    QPushButton *signOutButton() const { return m_signOut; }
    [[nodiscard]] QString statusText() const;

Q_SIGNALS:
    //! The user chose to sign this device out (after confirming).
    void signOutRequested();

private:
    void refresh();
    void showSessions(const QList<Client::SessionInfo> &sessions);
    void showStatus(const QString &text, bool error);
    void updateButtons();

    Client::ChatClient *const m_client;
    QTreeWidget *m_devices;
    QLabel *m_status;
    QPushButton *m_signOutDevice;
    QPushButton *m_signOutOthers;
    QPushButton *m_changePassword;
    QPushButton *m_signOut;
    bool m_waiting = false; //!< a request of this dialog's own awaits its answer
};

//! Current password, new password twice; answered by the server (ChatClient::changePassword).
class ChangePasswordDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit ChangePasswordDialog(Client::ChatClient *client, QWidget *parent = nullptr);

    QLineEdit *currentField() const { return m_current; }
    QLineEdit *newField() const { return m_new; }
    QLineEdit *repeatField() const { return m_repeat; }
    QPushButton *changeButton() const { return m_change; }
    [[nodiscard]] QString errorText() const;

private:
    void submit();
    void showError(const QString &text);

    Client::ChatClient *const m_client;
    QLineEdit *m_current;
    QLineEdit *m_new;
    QLineEdit *m_repeat;
    QLabel *m_error;
    QPushButton *m_change;
};

} // namespace Confab::Ui
