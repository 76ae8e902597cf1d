#pragma once

#include "sqlstore.h"

namespace Confab::Store {

//! The Store on a PostgreSQL server (QtSql's QPSQL driver), which several confabd nodes share
//! (DESIGN.md §6). The statements are SqlStore's; what is PostgreSQL's own is here: connecting
//! (and connecting again after the server went away), the schema and its migrations (one
//! transaction each, under an advisory lock, so that nodes starting together migrate once), and
//! what its errors mean. A conversation's row is held for the rest of a transaction that
//! appends to it (SqlStore::lockConversation): seqs stay gapless with many nodes writing.
//! Archive files and attachments stay under the data directory, which the nodes must share.
class PostgresStore final : public SqlStore
{
public:
    //! `connection`: libpq's key=value pairs, e.g. "host=127.0.0.1 port=5432 dbname=confab
    //! user=confab password=secret" (sslmode, connect_timeout and the like pass through).
    PostgresStore(const QString &dataDir, const QString &connection);

    Result<void> open() override;
    Result<void> commit() override;

    //! Whether a connection string names what a connection needs; the error says what not.
    [[nodiscard]] static Result<void> validateConnection(const QString &connection);

protected:
    Error sqlError(const QSqlQuery &query) const override;
    Result<void> afterConnect() override;
    qint64 databaseBytes() override;

private:
    Result<void> migrate();
    Result<void> migrateTo(int version);
    Result<void> createSchema10();

    const QString m_connection;
};

} // namespace Confab::Store
