#pragma once

#include <confab/error.h>

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

class QCheckBox;

namespace Confab::Client {
class ChatClient;
class LocalServer;
} // namespace Confab::Client

namespace Confab::Ui {

//! First run: the server's address, then sign in or create an account. Errors are shown inline
//! with the server's reason; the dialog closes once signed in.
class LoginDialog final : public QDialog
{
    Q_OBJECT
public:
    //! With a LocalServer, the dialog also offers to start a server on this computer.
    explicit LoginDialog(Client::ChatClient *client, Client::LocalServer *localServer = nullptr,
                         QWidget *parent = nullptr);

    QLineEdit *serverField() const { return m_server; }
    QLineEdit *usernameField() const { return m_username; }
    QLineEdit *passwordField() const { return m_password; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *registerButton() const { return m_register; }
    QPushButton *startServerButton() const { return m_startServer; }
    QLabel *serverInfo() const { return m_serverInfo; }
    [[nodiscard]] QString errorText() const;

private:
    void submit(bool create);
    void signInOrRegister(); //!< with the fields as they are, to the client's server URL
    void setBusy(bool busy);
    void showError(const QString &text);
    void startLocalServer();
    void rememberServer();

    Client::ChatClient *const m_client;
    QLineEdit *m_server;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLabel *m_error;
    QPushButton *m_signIn;
    QPushButton *m_register;
    Client::LocalServer *const m_localServer;
    QPushButton *m_startServer = nullptr;
    QCheckBox *m_allowOthers = nullptr;
    QCheckBox *m_keepRunning = nullptr;
    QLabel *m_serverInfo = nullptr;
    bool m_triedFreePort = false;
    bool m_creating = false; //!< the last submit() asked for a new account
    //! The address had no scheme and ws:// is being tried: wss:// is tried if it fails.
    bool m_tryTlsNext = false;
};

} // namespace Confab::Ui
