#pragma once

// Helpers for the SQLite code of both sides (the server store and the client cache). Header
// only: the protocol library itself does not link QtSql; whoever includes this does.
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <atomic>

namespace Confab::Sql {

//! Resets a statement when leaving scope, so that no SELECT keeps its read snapshot open.
class Finished
{
public:
    explicit Finished(QSqlQuery &query) : m_query(query) { }
    ~Finished() { m_query.finish(); }
    Finished(const Finished &) = delete;
    Finished &operator=(const Finished &) = delete;

private:
    QSqlQuery &m_query;
};

//! Ids are unsigned 64-bit on the wire and signed 64-bit INTEGERs in SQL (they stay below 2^63).
inline QVariant id(quint64 value)
{
    return QVariant(qint64(value));
}

//! QString() binds as SQL NULL; text columns want text, possibly empty.
inline QVariant nonNull(const QString &text)
{
    return text.isNull() ? QVariant(QStringLiteral("")) : QVariant(text);
}

//! A QSqlDatabase connection name unique in the process, e.g. "confab-store-3".
inline QString uniqueConnectionName(const char *prefix)
{
    static std::atomic<int> counter { 0 };
    return QStringLiteral("%1-%2").arg(QLatin1StringView(prefix)).arg(counter.fetch_add(1));
}

} // namespace Confab::Sql
