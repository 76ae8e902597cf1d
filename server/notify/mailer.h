#pragma once

#include "store/records.h"

#include <confab/result.h>

#include <QString>

#include <atomic>

namespace Confab::Notify {

//! How to reach the SMTP server ([email] in the config).
struct SmtpSettings
{
    QString url; //!< smtp://host:port (STARTTLS when offered) or smtps://host:port
    QString from; //!< the envelope and header sender
    QString username; //!< empty: no authentication
    QString password;
    bool requireTls = false; //!< smtp://: refuse to send unless STARTTLS succeeds
    int connectTimeoutMs = 10'000;
    int timeoutMs = 60'000;
};

//! The mail as it goes over SMTP: headers (the subject RFC 2047-encoded, a Message-ID from the
//! outbox id so a mail sent twice is recognisably the same) and the body in base64, CRLF lines.
[[nodiscard]] QByteArray formatEmail(const SmtpSettings &smtp, const Store::OutgoingEmail &email,
                                     const QString &serverName);

//! Hands one mail to the SMTP server with libcurl. Blocking: call it off the event loop. Returns
//! once the server accepted the mail (250 after DATA), or with what went wrong; gives up when
//! `abort` becomes true (checked at least once a second).
[[nodiscard]] Result<void> sendEmail(const SmtpSettings &smtp, const QByteArray &formatted,
                                     const QString &to, const std::atomic<bool> &abort);

//! libcurl's global set-up; once, from the main thread, before any sendEmail().
void initMail();

} // namespace Confab::Notify
