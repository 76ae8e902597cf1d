#pragma once

#include <confab/error.h>

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace Confab::Client {
class ChatClient;
}

namespace Confab::Ui {

//! First run: the server's address, then sign in or create an account. Errors are shown inline
//! with the server's reason; the dialog closes once signed in.
class LoginDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit LoginDialog(Client::ChatClient *client, QWidget *parent = nullptr);

    QLineEdit *serverField() const { return m_server; }
    QLineEdit *usernameField() const { return m_username; }
    QLineEdit *passwordField() const { return m_password; }
    QPushButton *signInButton() const { return m_signIn; }
    QPushButton *registerButton() const { return m_register; }
    [[nodiscard]] QString errorText() const;

private:
    void submit(bool create);
    void setBusy(bool busy);
    void showError(const QString &text);

    Client::ChatClient *const m_client;
    QLineEdit *m_server;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLabel *m_error;
    QPushButton *m_signIn;
    QPushButton *m_register;
};

} // namespace Confab::Ui
