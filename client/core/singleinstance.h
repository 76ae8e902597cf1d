#pragma once

#include <QObject>

#include <memory>

class QLocalServer;
class QLockFile;

namespace Confab::Client {

//! One app per user data directory: two would share one cache and one device, and talk over
//! each other. The first takes a lock in the data directory and listens on a local socket;
//! a second one tells the first to show itself, and quits.
class SingleInstance final : public QObject
{
    Q_OBJECT
public:
    explicit SingleInstance(const QString &dataDir, QObject *parent = nullptr);
    ~SingleInstance() override;

    //! Becomes the one instance, if no other holds the data directory. Safe to call again.
    [[nodiscard]] bool acquire();
    //! From a second instance: asks the first to show its window. False if none answered.
    bool activateFirst(int timeoutMs = 3000) const;

Q_SIGNALS:
    //! Another launch asked this instance to show itself.
    void activationRequested();

private:
    [[nodiscard]] QString socketName() const;

    const QString m_dataDir;
    std::unique_ptr<QLockFile> m_lock;
    QLocalServer *m_server = nullptr;
};

} // namespace Confab::Client
