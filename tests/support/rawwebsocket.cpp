#include "rawwebsocket.h"

#include <confab/codec.h>

#include <QRandomGenerator>
#include <QTest>

bool RawWebSocket::connectAndUpgrade(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!m_socket.waitForConnected(timeoutMs))
        return false;
    m_socket.write(
        QStringLiteral("GET / HTTP/1.1\r\nHost: 127.0.0.1:%1\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n")
            .arg(port)
            .toLatin1());
    QByteArray response;
    const bool upgraded = QTest::qWaitFor(
        [&] {
            response += m_socket.readAll();
            return response.contains("\r\n\r\n");
        },
        timeoutMs);
    if (!upgraded || !response.startsWith("HTTP/1.1 101"))
        return false;
    m_buffer = response.mid(response.indexOf("\r\n\r\n") + 4);
    return true;
}

void RawWebSocket::sendBinary(const QByteArray &payload)
{
    QByteArray frame;
    frame.append(char(0x82)); // FIN + binary
    if (payload.size() < 126) {
        frame.append(char(0x80 | payload.size()));
    } else {
        frame.append(char(0x80 | 126));
        frame.append(char((payload.size() >> 8) & 0xFF));
        frame.append(char(payload.size() & 0xFF));
    }
    const quint32 mask = QRandomGenerator::global()->generate();
    char key[4];
    for (int i = 0; i < 4; ++i)
        key[i] = char((mask >> (8 * i)) & 0xFF);
    frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload.at(i) ^ key[i % 4]));
    m_socket.write(frame);
    m_socket.flush();
}

void RawWebSocket::sendEnvelope(const Confab::pb::Envelope &envelope)
{
    sendBinary(Confab::Codec::encode(envelope));
}

QList<Confab::pb::Envelope> RawWebSocket::receive(int timeoutMs, int atLeast)
{
    QList<Confab::pb::Envelope> messages;
    auto parse = [&] {
        m_buffer += m_socket.readAll();
        while (m_buffer.size() >= 2) {
            const int opcode = quint8(m_buffer.at(0)) & 0x0F;
            qsizetype length = quint8(m_buffer.at(1)) & 0x7F;
            qsizetype header = 2;
            if (length == 126) {
                if (m_buffer.size() < 4)
                    break;
                length = (qsizetype(quint8(m_buffer.at(2))) << 8) | quint8(m_buffer.at(3));
                header = 4;
            } else if (length == 127) {
                return; // not needed by the tests
            }
            if (m_buffer.size() < header + length)
                break;
            const QByteArray payload = m_buffer.mid(header, length);
            m_buffer.remove(0, header + length);
            if (opcode == 0x2) {
                Confab::pb::Envelope envelope;
                if (envelope.ParseFromArray(payload.constData(), int(payload.size())))
                    messages.append(envelope);
            }
        }
    };
    static_cast<void>(QTest::qWaitFor(
        [&] {
            parse();
            return messages.size() >= atLeast;
        },
        timeoutMs));
    return messages;
}

bool RawWebSocket::waitForClose(int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            m_buffer += m_socket.readAll(); // drain, never answer
            return m_socket.state() == QAbstractSocket::UnconnectedState;
        },
        timeoutMs);
}
