#include "digest.h"

#include <confab/notifyrules.h>

#include <QDateTime>

#include <algorithm>

namespace Confab::Notify {

namespace {

constexpr int kMaxPreviews = 10;
constexpr int kPreviewChars = 200;

//! One line of the digest: a sender in a conversation.
struct Line
{
    QString sender;
    QString conversation; //!< empty: direct
    int messages = 0;
    int personal = 0; //!< mentions of, or replies to, the user
};

} // namespace

std::optional<Store::OutgoingEmail> composeDigest(const Store::DigestCandidate &user,
                                                  const QList<Store::DigestItem> &items,
                                                  const DigestOptions &options, qint64 nowMs,
                                                  qint64 *coveredMs)
{
    const Rules rules(user.prefs);
    QList<Line> lines;
    QStringList previews;
    int total = 0;
    qint64 newest = user.coveredMs;
    for (const Store::DigestItem &item : items) {
        newest = std::max<qint64>(newest, item.message.server_time_ms());
        // Do not disturb and quiet hours hold notifications back, not digests: a digest is
        // for when the user is away. Mutes and mentions-only apply.
        if (rules.priorityIgnoringQuiet(item.message, { item.direct, user.userId }, nowMs)
            != pb::NOTIFY_PRIORITY_HIGH)
            continue;
        ++total;
        const QString conversation = item.direct ? QString() : item.conversationTitle;
        auto line = std::find_if(lines.begin(), lines.end(), [&](const Line &l) {
            return l.sender == item.senderName && l.conversation == conversation;
        });
        if (line == lines.end()) {
            lines.append({ item.senderName, conversation, 0, 0 });
            line = lines.end() - 1;
        }
        ++line->messages;
        if (!item.direct)
            ++line->personal;
        if (options.previews && previews.size() < kMaxPreviews) {
            QString text = QString::fromStdString(item.message.text()).simplified();
            if (text.size() > kPreviewChars)
                text = text.left(kPreviewChars - 1) + u'…';
            if (text.isEmpty() && item.message.attachments_size() == 0)
                text = QStringLiteral("(a file)");
            previews.append(QStringLiteral("  %1%2: %3")
                                .arg(item.senderName,
                                     conversation.isEmpty()
                                         ? QString()
                                         : QStringLiteral(" in \"%1\"").arg(conversation),
                                     text));
        }
    }
    if (coveredMs)
        *coveredMs = newest;
    if (total == 0)
        return std::nullopt;

    // Senders, most messages first.
    std::stable_sort(lines.begin(), lines.end(),
                     [](const Line &a, const Line &b) { return a.messages > b.messages; });
    QStringList senders;
    for (const Line &line : std::as_const(lines))
        if (!senders.contains(line.sender))
            senders.append(line.sender);
    QString from;
    if (senders.size() == 1)
        from = senders.first();
    else if (senders.size() == 2)
        from = QStringLiteral("%1 and %2").arg(senders.at(0), senders.at(1));
    else
        from = QStringLiteral("%1, %2 and %3 others")
                   .arg(senders.at(0), senders.at(1))
                   .arg(senders.size() - 2);
    const QString messages = total == 1 ? QStringLiteral("1 unread message")
                                        : QStringLiteral("%1 unread messages").arg(total);

    Store::OutgoingEmail email;
    email.userId = user.userId;
    email.to = QString::fromStdString(user.prefs.digest_email());
    email.subject = QStringLiteral("%1 from %2 on %3").arg(messages, from, options.serverName);
    QString body = QStringLiteral("Hello %1,\n\nWhile you were away, %2 came for you on %3:\n\n")
                       .arg(user.username, messages, options.serverName);
    for (const Line &line : std::as_const(lines)) {
        QString what = line.messages == 1 ? QStringLiteral("1 message")
                                          : QStringLiteral("%1 messages").arg(line.messages);
        if (line.conversation.isEmpty())
            body += QStringLiteral("  %1: %2\n").arg(line.sender, what);
        else
            body += QStringLiteral("  %1 in \"%2\": %3 naming or answering you\n")
                        .arg(line.sender, line.conversation, what);
    }
    if (!previews.isEmpty())
        body += QStringLiteral("\n%1\n").arg(previews.join(u'\n'));
    body += QStringLiteral(
        "\nOpen Confab to read them.\n\n-- \nYou get this email because email digests are on in "
        "Confab's notification settings. Turn them off there, or clear the address.\n");
    email.body = body;
    email.createdMs = nowMs;
    return email;
}

} // namespace Confab::Notify
