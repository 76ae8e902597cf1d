#pragma once

#include <confab/pb.h>

#include <QList>
#include <QTcpSocket>

//! A WebSocket peer written by hand over QTcpSocket, for what QWebSocket will not do: stay silent
//! (never answer pings), stall half-way, or misbehave at the framing level. Client side of
//! RFC 6455 only as far as the tests need: one handshake, masked binary frames out, unfragmented
//! frames in. Test thread only.
class RawWebSocket final
{
public:
    [[nodiscard]] bool connectAndUpgrade(quint16 port, int timeoutMs = 5000);
    void sendBinary(const QByteArray &payload);
    void sendEnvelope(const Confab::pb::Envelope &envelope);
    //! Reads whatever arrived and returns the binary messages decoded so far (pings are ignored:
    //! a silent peer never answers them).
    QList<Confab::pb::Envelope> receive(int timeoutMs = 5000, int atLeast = 1);
    [[nodiscard]] bool waitForClose(int timeoutMs);
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};
