#pragma once

// What the tests that run real servers beside them share: the PostgreSQL server CTest starts
// for the run (the postgres fixture, installer/postgres.sh), and confabd as a process of its own.
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QtDebug>

namespace TestProcesses {

//! The run's PostgreSQL (libpq's key=value pairs), or empty when the test runs without one.
inline QString postgresConnection()
{
    return qEnvironmentVariable("CONFAB_TEST_POSTGRES");
}

//! A connection of the test's own (not opened) to that database.
inline QSqlDatabase postgresDatabase(const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    const QStringList pairs = postgresConnection().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString &pair : pairs) {
        const QString key = pair.section(QLatin1Char('='), 0, 0);
        const QString value = pair.section(QLatin1Char('='), 1);
        if (key == QLatin1String("host"))
            db.setHostName(value);
        else if (key == QLatin1String("port"))
            db.setPort(value.toInt());
        else if (key == QLatin1String("dbname"))
            db.setDatabaseName(value);
        else if (key == QLatin1String("user"))
            db.setUserName(value);
    }
    return db;
}

//! Drops everything the previous test stored there; the error, or empty.
inline QString emptyPostgres()
{
    QString error;
    {
        QSqlDatabase db = postgresDatabase(QStringLiteral("confab-test-reset"));
        QSqlQuery reset(db);
        if (!db.open())
            error = db.lastError().text();
        else if (!reset.exec(QStringLiteral("DROP SCHEMA public CASCADE"))
                 || !reset.exec(QStringLiteral("CREATE SCHEMA public")))
            error = reset.lastError().text();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("confab-test-reset"));
    return error;
}

//! Starts confabd (the process's program and arguments set, with --port 0) and waits until it
//! says where it listens: its port, or 0 if it did not start (its output is logged).
inline quint16 startConfabd(QProcess &process, int timeoutMs = 20'000)
{
    process.start();
    if (!process.waitForStarted(10'000))
        return 0;
    static const QRegularExpression listening(
        QStringLiteral("listening on wss?://127\\.0\\.0\\.1:(\\d+)"));
    QByteArray output;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (!process.waitForReadyRead(1000) && process.state() != QProcess::Running)
            break;
        output += process.readAllStandardOutput();
        const auto match = listening.match(QString::fromUtf8(output));
        if (match.hasMatch())
            return quint16(match.captured(1).toUInt());
    }
    qWarning() << "confabd did not start:" << output << process.readAllStandardError();
    return 0;
}

} // namespace TestProcesses
