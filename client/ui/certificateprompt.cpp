#include "certificateprompt.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace Confab::Ui {

namespace {

QLabel *makeFingerprintLabel(const QString &fingerprint, QWidget *parent)
{
    auto *label = new QLabel(CertificatePrompt::twoLines(fingerprint), parent);
    label->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

QString CertificatePrompt::twoLines(const QString &fingerprint)
{
    const QStringList pairs = fingerprint.split(u':');
    if (pairs.size() <= 16)
        return fingerprint;
    return pairs.mid(0, 16).join(u':') + QStringLiteral(":\n") + pairs.mid(16).join(u':');
}

CertificatePrompt::CertificatePrompt(const Client::CertificateInfo &certificate, QWidget *parent)
    : QDialog(parent), m_certificate(certificate)
{
    const bool changed = certificate.hasChanged();
    const QString server = certificate.server.host()
        + (certificate.server.port() > 0 ? QStringLiteral(":%1").arg(certificate.server.port())
                                         : QString());
    setWindowTitle(changed ? tr("Certificate Changed") : tr("Check the Server's Certificate"));

    auto *icon = new QLabel(this);
    const int size = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(
        style()
            ->standardIcon(changed ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxQuestion,
                           nullptr, this)
            .pixmap(size, size));
    icon->setAlignment(Qt::AlignTop);

    auto *heading = new QLabel(this);
    QFont bold = heading->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    heading->setFont(bold);
    heading->setWordWrap(true);
    auto *explanation = new QLabel(this);
    explanation->setWordWrap(true);
    if (changed) {
        heading->setText(tr("The certificate of %1 has changed").arg(server));
        explanation->setText(
            tr("This server now presents a different certificate from the one you trusted. "
               "That happens when its administrator replaces the certificate, but it can also "
               "mean that someone is intercepting the connection. Confab has not connected.\n\n"
               "Trust the new certificate only if its administrator confirms this fingerprint."));
    } else {
        heading->setText(tr("Is this the certificate of %1?").arg(server));
        explanation->setText(
            tr("This computer cannot verify the server's certificate, which is usual for a "
               "server on a home or office network. Compare its fingerprint with the one the "
               "server's administrator gives you (confabd prints it when it starts). If they "
               "match, trust it: Confab will then accept this certificate from this server, and "
               "no other."));
    }

    auto *details = new QFormLayout;
    details->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_fingerprint = makeFingerprintLabel(certificate.fingerprint, this);
    if (changed) {
        details->addRow(tr("Trusted before:"),
                        makeFingerprintLabel(certificate.trustedFingerprint, this));
        details->addRow(tr("Presented now:"), m_fingerprint);
    } else {
        details->addRow(tr("SHA-256 fingerprint:"), m_fingerprint);
    }
    if (!certificate.subject.isEmpty())
        details->addRow(tr("Issued to:"), new QLabel(certificate.subject, this));
    if (!certificate.issuer.isEmpty())
        details->addRow(tr("Issued by:"), new QLabel(certificate.issuer, this));
    if (certificate.expiry.isValid()) {
        details->addRow(tr("Valid until:"),
                        new QLabel(QLocale().toString(certificate.expiry.toLocalTime().date(),
                                                      QLocale::LongFormat),
                                   this));
    }
    if (!certificate.problems.isEmpty()) {
        auto *problems = new QLabel(certificate.problems.join(u'\n'), this);
        problems->setWordWrap(true);
        details->addRow(tr("Problems:"), problems);
    }

    auto *buttons = new QDialogButtonBox(this);
    m_trust =
        buttons->addButton(changed ? tr("Trust the New Certificate") : tr("Trust and Connect"),
                           QDialogButtonBox::AcceptRole);
    QPushButton *cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_trust->setAutoDefault(false);
    cancel->setDefault(true);
    cancel->setFocus();
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *text = new QVBoxLayout;
    text->addWidget(heading);
    text->addWidget(explanation);
    text->addSpacing(6);
    text->addLayout(details);
    auto *row = new QHBoxLayout;
    row->addWidget(icon);
    row->addSpacing(8);
    row->addLayout(text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addSpacing(8);
    layout->addWidget(buttons);
    setMinimumWidth(560);
}

} // namespace Confab::Ui
