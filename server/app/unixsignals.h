#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace Confab {

//! Turns SIGINT and SIGTERM into a Qt signal on the thread that created it (the self-pipe
//! pattern: the handler only writes a byte). One instance per process.
class UnixSignals final : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignals(QObject *parent = nullptr);
    ~UnixSignals() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace Confab
