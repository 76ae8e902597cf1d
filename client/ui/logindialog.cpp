#include "logindialog.h"

#include "appicon.h"
#include "certificateprompt.h"
#include "chatclient.h"
#include "localserver.h"
#include "settings.h"

#include <confab/logging.h>

#include <QCheckBox>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

namespace Confab::Ui {

LoginDialog::LoginDialog(Client::ChatClient *client, Client::LocalServer *localServer,
                         QWidget *parent)
    : QDialog(parent), m_client(client), m_localServer(localServer)
{
    setWindowTitle(tr("Sign in to Confab"));
    auto *logo = new QLabel(this);
    logo->setPixmap(applicationIcon().pixmap(64, 64));
    logo->setAlignment(Qt::AlignCenter);
    auto *heading = new QLabel(tr("Welcome to Confab"), this);
    QFont big = heading->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    heading->setFont(big);
    heading->setAlignment(Qt::AlignCenter);

    const QUrl url = client->serverUrl();
    m_server = new QLineEdit(url.scheme() == QLatin1String("wss")
                                 ? QStringLiteral("wss://") + url.authority()
                                 : url.authority(),
                             this);
    m_server->setAccessibleName(tr("Server address"));
    m_server->setPlaceholderText(tr("host:port, or wss://host:port for TLS"));
    m_username = new QLineEdit(this);
    m_username->setAccessibleName(tr("Username"));
    m_password = new QLineEdit(this);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Password"));
    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #dc2626;"));
    m_error->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("&Server:"), m_server);
    form->addRow(tr("&Username:"), m_username);
    form->addRow(tr("&Password:"), m_password);

    m_signIn = new QPushButton(tr("Sign in"), this);
    m_signIn->setDefault(true);
    m_register = new QPushButton(tr("Create account"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_register);
    buttons->addWidget(m_signIn);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(logo);
    layout->addWidget(heading);
    layout->addSpacing(8);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
    if (m_localServer) {
        // No server yet? Run one here: others on the network can join it if allowed.
        auto *local = new QFrame(this);
        local->setFrameShape(QFrame::StyledPanel);
        auto *localLayout = new QVBoxLayout(local);
        m_startServer = new QPushButton(tr("Start a server on this computer"), local);
        m_allowOthers = new QCheckBox(tr("Allow other computers to join"), local);
        m_keepRunning = new QCheckBox(tr("Keep it running after Confab quits"), local);
        m_serverInfo = new QLabel(local);
        m_serverInfo->setWordWrap(true);
        m_serverInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_serverInfo->hide();
        localLayout->addWidget(m_startServer);
        localLayout->addWidget(m_allowOthers);
        localLayout->addWidget(m_keepRunning);
        localLayout->addWidget(m_serverInfo);
        layout->addWidget(local);
        connect(m_startServer, &QPushButton::clicked, this, &LoginDialog::startLocalServer);
        connect(m_keepRunning, &QCheckBox::toggled, m_localServer,
                &Client::LocalServer::setKeepRunning);
        connect(m_localServer, &Client::LocalServer::started, this, [this](quint16 port) {
            m_server->setText(QStringLiteral("127.0.0.1:%1").arg(port));
            const QStringList shared = m_localServer->shareableAddresses();
            m_serverInfo->setText(
                shared.isEmpty()
                    ? tr("The server runs on this computer (port %1). Now create your account.")
                          .arg(port)
                    : tr("The server runs on this computer. Others can join at %1. Now create your "
                         "account.")
                          .arg(shared.join(QStringLiteral(", "))));
            m_serverInfo->show();
            m_startServer->setText(tr("Server running"));
            m_username->setFocus();
        });
        connect(m_localServer, &Client::LocalServer::failed, this, [this](const QString &reason) {
            if (!m_triedFreePort && Client::LocalServer::findExecutable().size() > 0) {
                m_triedFreePort = true; // port 7700 is taken: any free port will do
                m_localServer->start(m_allowOthers->isChecked(), 0);
                return;
            }
            m_startServer->setEnabled(true);
            showError(reason);
        });
    }
    setMinimumWidth(380);

    connect(m_signIn, &QPushButton::clicked, this, [this] { submit(false); });
    connect(m_register, &QPushButton::clicked, this, [this] { submit(true); });
    connect(client, &Client::ChatClient::authenticated, this, [this] {
        // Signed in: what the connection does from now on is the main window's business.
        disconnect(m_client, nullptr, this, nullptr);
        rememberServer();
        setBusy(false);
        accept();
    });
    connect(client, &Client::ChatClient::authenticationFailed, this,
            [this](const Confab::Error &error) {
                setBusy(false);
                if (m_creating && error.code == ErrorCode::FORBIDDEN) // [auth] registration=closed
                    showError(tr("This server does not take new accounts. Ask its administrator "
                                 "for one, then sign in."));
                else
                    showError(userMessage(error.code));
            });
    connect(client, &Client::ChatClient::certificateNeedsTrust, this,
            [this](const Client::CertificateInfo &certificate) {
                auto *prompt = new CertificatePrompt(certificate, this);
                prompt->setAttribute(Qt::WA_DeleteOnClose);
                connect(prompt, &QDialog::finished, this, [this, certificate](int result) {
                    if (result == QDialog::Accepted) {
                        m_client->trustCertificate(certificate); // and signs in
                        return;
                    }
                    setBusy(false);
                    showError(tr("Not connected: the server's certificate was not trusted."));
                });
                prompt->open();
            });
    connect(client, &Client::ChatClient::stateChanged, this,
            [this](Client::ChatClient::State state, const QString &reason) {
                if (state == Client::ChatClient::State::Backoff && !m_signIn->isEnabled()) {
                    if (m_tryTlsNext) {
                        // An address without a scheme: plain WebSocket failed; the server may
                        // speak only TLS. Try wss:// once (never the other way round).
                        m_tryTlsNext = false;
                        QUrl secure = m_client->serverUrl();
                        secure.setScheme(QStringLiteral("wss"));
                        m_client->disconnectFromServer();
                        m_client->setServerUrl(secure);
                        signInOrRegister();
                        return;
                    }
                    // Cannot reach the server: say so, and let the user fix the address.
                    m_client->disconnectFromServer();
                    setBusy(false);
                    showError(tr("Cannot reach the server. %1").arg(reason));
                }
            });
}

void LoginDialog::rememberServer()
{
    // An account on the server started here: start it again with the app next time.
    AppSettings settings = AppSettings::load();
    const QUrl url = m_client->serverUrl();
    settings.localServer = m_localServer && m_localServer->isRunning()
        && QHostAddress(url.host()).isLoopback() && url.port() == m_localServer->port();
    if (settings.localServer) {
        settings.localServerAllowOthers = m_allowOthers->isChecked();
        settings.localServerPort = m_localServer->port();
        settings.localServerKeepRunning = m_keepRunning->isChecked();
    }
    if (auto saved = settings.save(); !saved)
        qCWarning(lcClientSync) << "settings:" << saved.error().message;
}

void LoginDialog::startLocalServer()
{
    m_error->hide();
    m_startServer->setEnabled(false);
    m_allowOthers->setEnabled(false);
    m_startServer->setText(tr("Starting the server…"));
    m_triedFreePort = false;
    m_localServer->start(m_allowOthers->isChecked(), 7700);
}

QString LoginDialog::errorText() const
{
    return m_error->isVisible() ? m_error->text() : QString();
}

void LoginDialog::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void LoginDialog::setBusy(bool busy)
{
    m_signIn->setEnabled(!busy);
    m_register->setEnabled(!busy);
    m_signIn->setText(busy ? tr("Signing in…") : tr("Sign in"));
}

void LoginDialog::submit(bool create)
{
    m_creating = create;
    const QString address = m_server->text().trimmed();
    const QUrl url =
        QUrl::fromUserInput(address.contains(u"://") ? address : QStringLiteral("ws://") + address);
    if (!url.isValid() || url.host().isEmpty()) {
        showError(tr("Enter the server's address, for example 127.0.0.1:7700."));
        return;
    }
    if (m_username->text().trimmed().isEmpty() || m_password->text().isEmpty()) {
        showError(tr("Enter a username and a password."));
        return;
    }
    m_error->hide();
    setBusy(true);
    QUrl server = url;
    server.setScheme(url.scheme() == QLatin1String("wss") ? QStringLiteral("wss")
                                                          : QStringLiteral("ws"));
    if (server.port() == -1)
        server.setPort(7700);
    m_client->setServerUrl(server);
    m_tryTlsNext = !address.contains(u"://");
    signInOrRegister();
}

void LoginDialog::signInOrRegister()
{
    if (m_creating)
        m_client->registerAccount(m_username->text().trimmed(), m_password->text());
    else
        m_client->signIn(m_username->text().trimmed(), m_password->text());
}

} // namespace Confab::Ui
