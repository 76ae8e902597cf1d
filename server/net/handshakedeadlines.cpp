#include "handshakedeadlines.h"

#include "session.h"

#include <confab/logging.h>

#include <QTcpSocket>
#include <QWebSocket>

#include <algorithm>

namespace Confab::Net {

HandshakeDeadlines::HandshakeDeadlines(int timeoutMs, QObject *parent)
    : QObject(parent), m_timeoutMs(timeoutMs)
{
    m_timer.setInterval(std::clamp(timeoutMs / 4, 25, 1000));
    connect(&m_timer, &QTimer::timeout, this, &HandshakeDeadlines::sweep);
}

void HandshakeDeadlines::watch(QTcpSocket *socket)
{
    m_pending.insert({ socket->peerAddress(), socket->peerPort() },
                     { socket, Session::monotonicMs() + m_timeoutMs });
    if (!m_timer.isActive())
        m_timer.start();
}

void HandshakeDeadlines::done(const QWebSocket *socket)
{
    m_pending.remove({ socket->peerAddress(), socket->peerPort() });
}

void HandshakeDeadlines::sweep()
{
    const qint64 now = Session::monotonicMs();
    QList<QTcpSocket *> late;
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (!it->socket) { // refused by the handshake, and gone
            it = m_pending.erase(it);
        } else if (now >= it->deadlineMs) {
            late.append(it->socket);
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
    for (QTcpSocket *socket : std::as_const(late)) {
        qCDebug(lcNet) << "no WebSocket handshake in time from" << socket->peerAddress();
        const QPointer<QTcpSocket> guard(socket);
        socket->abort(); // QWebSocketServer sees it disconnect and lets it go
        if (guard)
            guard->deleteLater();
    }
    if (m_pending.isEmpty())
        m_timer.stop();
}

} // namespace Confab::Net
