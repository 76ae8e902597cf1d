#include "mailer.h"

#include <QDateTime>
#include <QTimeZone>

#include <curl/curl.h>
#include <memory>
#include <mutex>

namespace Confab::Notify {

namespace {

//! An RFC 2047 encoded header value: UTF-8, base64, in words short enough for one line each.
QByteArray encodedWords(const QString &text)
{
    QByteArray out;
    QByteArray chunk;
    auto flush = [&] {
        if (chunk.isEmpty())
            return;
        if (!out.isEmpty())
            out += "\r\n "; // folded: each encoded word on a line of its own
        out += "=?UTF-8?B?" + chunk.toBase64() + "?=";
        chunk.clear();
    };
    for (qsizetype i = 0; i < text.size();) {
        // Whole characters only: a surrogate pair stays together.
        const qsizetype length = text.at(i).isHighSurrogate() && i + 1 < text.size() ? 2 : 1;
        const QByteArray bytes = text.mid(i, length).toUtf8();
        if (chunk.size() + bytes.size() > 45)
            flush();
        chunk += bytes;
        i += length;
    }
    flush();
    return out;
}

QByteArray domainOf(const QString &address)
{
    const QString domain = address.section(u'@', 1);
    return domain.isEmpty() ? QByteArrayLiteral("confab.invalid") : domain.toUtf8();
}

struct Payload
{
    const QByteArray *data = nullptr;
    qsizetype offset = 0;
};

size_t readPayload(char *buffer, size_t size, size_t count, void *user)
{
    auto *payload = static_cast<Payload *>(user);
    const size_t room = size * count;
    const size_t left = size_t(payload->data->size() - payload->offset);
    const size_t taken = std::min(room, left);
    memcpy(buffer, payload->data->constData() + payload->offset, taken);
    payload->offset += qsizetype(taken);
    return taken;
}

int progress(void *abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    return static_cast<const std::atomic<bool> *>(abort)->load() ? 1 : 0;
}

} // namespace

void initMail()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

QByteArray formatEmail(const SmtpSettings &smtp, const Store::OutgoingEmail &email,
                       const QString &serverName)
{
    QByteArray mail;
    auto header = [&mail](const char *name, const QByteArray &value) {
        mail += name;
        mail += ": ";
        mail += value;
        mail += "\r\n";
    };
    header("Date",
           QDateTime::fromMSecsSinceEpoch(email.createdMs, QTimeZone::utc())
               .toString(Qt::RFC2822Date)
               .toLatin1());
    header("From", encodedWords(serverName) + " <" + smtp.from.toUtf8() + ">");
    header("To", "<" + email.to.toUtf8() + ">");
    header("Subject", encodedWords(email.subject));
    header("Message-ID",
           "<confab-digest-" + QByteArray::number(email.emailId) + "."
               + QByteArray::number(email.createdMs) + "@" + domainOf(smtp.from) + ">");
    header("Auto-Submitted", "auto-generated");
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=UTF-8");
    header("Content-Transfer-Encoding", "base64");
    mail += "\r\n";
    QByteArray body = email.body.toUtf8();
    body.replace("\r\n", "\n").replace("\n", "\r\n");
    const QByteArray encoded = body.toBase64();
    for (qsizetype i = 0; i < encoded.size(); i += 76) {
        mail += encoded.mid(i, 76);
        mail += "\r\n";
    }
    return mail;
}

Result<void> sendEmail(const SmtpSettings &smtp, const QByteArray &formatted, const QString &to,
                       const std::atomic<bool> &abort)
{
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl)
        return Error { ErrorCode::INTERNAL, QStringLiteral("cannot start libcurl") };
    const QByteArray url = smtp.url.toUtf8();
    const QByteArray from = "<" + smtp.from.toUtf8() + ">";
    const QByteArray recipient = "<" + to.toUtf8() + ">";
    const QByteArray username = smtp.username.toUtf8();
    const QByteArray password = smtp.password.toUtf8();
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
        curl_slist_append(nullptr, recipient.constData()), curl_slist_free_all);
    Payload payload { &formatted, 0 };
    char error[CURL_ERROR_SIZE] = {};
    CURL *c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.constData());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, long(smtp.requireTls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!username.isEmpty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, username.constData());
        curl_easy_setopt(c, CURLOPT_PASSWORD, password.constData());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.constData());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, readPayload);
    curl_easy_setopt(c, CURLOPT_READDATA, &payload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(smtp.connectTimeoutMs));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(smtp.timeoutMs));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool> *>(&abort));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode code = curl_easy_perform(c);
    if (code == CURLE_OK)
        return {};
    const QString reason =
        error[0] ? QString::fromUtf8(error) : QString::fromUtf8(curl_easy_strerror(code));
    return Error { ErrorCode::UNAVAILABLE, QStringLiteral("SMTP: %1").arg(reason) };
}

} // namespace Confab::Notify
