#pragma once

// Helpers for the SQLite code of both sides (the server store and the client cache). Header
// only: the protocol library itself does not link QtSql; whoever includes this does.
#include "result.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <atomic>
#include <functional>

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

//! The schema version kept in PRAGMA user_version.
[[nodiscard]] inline Result<int> userVersion(QSqlDatabase &db)
{
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next())
        return Error {
            ErrorCode::INTERNAL,
            QStringLiteral("cannot read the schema version: %1").arg(query.lastError().text())
        };
    return query.value(0).toInt();
}

//! Brings a database from its user_version up to `target`, one step per version, each step in
//! its own transaction together with the new version number (STYLE.md §6). `step(n)` migrates
//! to version n. Returns the version reached; on failure that step is rolled back.
[[nodiscard]] inline Result<int> migrate(QSqlDatabase &db, int target,
                                         const std::function<Result<void>(int)> &step)
{
    auto version = userVersion(db);
    if (!version)
        return version;
    int current = version.value();
    auto run = [&db](const QString &sql) -> Result<void> {
        QSqlQuery query(db);
        if (query.exec(sql))
            return {};
        return Error { ErrorCode::INTERNAL,
                       QStringLiteral("%1: %2").arg(sql, query.lastError().text()) };
    };
    while (current < target) {
        const int next = current + 1;
        if (auto begun = run(QStringLiteral("BEGIN IMMEDIATE")); !begun)
            return begun.error();
        auto migrated = step(next);
        if (migrated)
            migrated = run(QStringLiteral("PRAGMA user_version = %1").arg(next));
        if (migrated)
            migrated = run(QStringLiteral("COMMIT"));
        if (!migrated) {
            static_cast<void>(run(QStringLiteral("ROLLBACK")));
            return migrated.error();
        }
        current = next;
    }
    return current;
}

} // namespace Confab::Sql
