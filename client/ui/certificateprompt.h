#pragma once

#include "types.h"

#include <QDialog>

class QLabel;
class QPushButton;

namespace Confab::Ui {

//! Asks whether to trust a server certificate this computer cannot verify (self-signed, from an
//! unknown authority) or one that is not the certificate trusted before. It shows the SHA-256
//! fingerprint to compare with the one the server's admin has (confabd prints it at start).
//! Cancel is the default; a changed certificate is presented as the warning it is. Accepted:
//! the caller trusts it (ChatClient::trustCertificate).
class CertificatePrompt final : public QDialog
{
    Q_OBJECT
public:
    explicit CertificatePrompt(const Client::CertificateInfo &certificate,
                               QWidget *parent = nullptr);

    [[nodiscard]] const Client::CertificateInfo &certificate() const { return m_certificate; }
    QLabel *fingerprintLabel() const { return m_fingerprint; }
    QPushButton *trustButton() const { return m_trust; }

    //! "AB:CD:..." in two lines of 16 pairs, easier to compare by eye.
    [[nodiscard]] static QString twoLines(const QString &fingerprint);

private:
    const Client::CertificateInfo m_certificate;
    QLabel *m_fingerprint;
    QPushButton *m_trust;
};

} // namespace Confab::Ui
