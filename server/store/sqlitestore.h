#pragma once

#include "sqlstore.h"

#include <QElapsedTimer>

namespace Confab::Store {

//! The Store on an embedded SQLite database (WAL, synchronous=FULL): one file, `confab.db`, in
//! the data directory. Not thread-safe: one instance per thread. Several processes may open the
//! same file (the admin CLI beside a running server); writers wait up to busyTimeoutMs.
class SqliteStore final : public SqlStore
{
public:
    explicit SqliteStore(const QString &dataDir, int busyTimeoutMs = 5000);
    //! Caps the database file at this many bytes (PRAGMA max_page_count; 0: no cap). Past it a
    //! write fails with STORAGE_FULL, as on a full disk. Call before open().
    void setMaxDatabaseBytes(qint64 bytes) { m_maxDatabaseBytes = bytes; }
    [[nodiscard]] static QString databasePath(const QString &dataDir);

    Result<void> open() override;
    Result<void> begin() override;
    Result<void> setCheckpointsElsewhere(bool elsewhere) override;
    [[nodiscard]] Result<void> checkpoint() override;
    Result<void> scrubLog() override;

    //! A consistent copy of the database at `path` (which must not exist), taken while the
    //! server goes on serving: one read transaction (VACUUM INTO), flushed to disk, renamed into
    //! place, then opened and checked. Returns its size in bytes.
    [[nodiscard]] Result<qint64> backupTo(const QString &path);

protected:
    Error sqlError(const QSqlQuery &query) const override;
    //! SQLite's integrity check and every reference resolved (foreign keys).
    Result<void> checkEngine(CheckReport *report) override;
    qint64 databaseBytes() override;
    void noticeOtherWriters() override;

private:
    Result<void> migrate();
    Result<void> migrateTo(int version);
    Result<void> migrateTo1();
    Result<void> migrateTo2();
    Result<void> migrateTo3();
    Result<void> migrateTo4();
    Result<void> migrateTo5();
    Result<void> migrateTo6();
    Result<void> migrateTo7();
    Result<void> migrateTo8();
    Result<void> migrateTo9();
    Result<void> migrateTo10();

    const int m_busyTimeoutMs;
    qint64 m_maxDatabaseBytes = 0;
    mutable qint64 m_fullLoggedMs = 0; //!< sqlError(): when a full disk was last reported
    mutable quint64 m_fullRefusals = 0; //!< refusals since
    //! PRAGMA data_version as last seen: it changes when another connection commits.
    qint64 m_dataVersion = -1;
    QElapsedTimer m_dataVersionChecked;
};

} // namespace Confab::Store
