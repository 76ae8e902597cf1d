#include "fuzzseeds.h"

#include <confab/codec.h>

#include <QDir>
#include <QFile>
#include <QUuid>

namespace Confab::Fuzz {

namespace {
std::string uuidBytes()
{
    return QUuid::createUuidV5(QUuid(), QStringLiteral("confab-fuzz")).toRfc4122().toStdString();
}
} // namespace

QList<std::pair<QString, QByteArray>> seedFrames()
{
    QList<std::pair<QString, QByteArray>> seeds;
    auto add = [&seeds](const char *name, auto fill) {
        pb::Envelope e;
        e.set_request_id(quint64(seeds.size() + 1));
        fill(e);
        seeds.append({ QString::fromLatin1(name), Codec::encode(e) });
    };
    add("hello", [](pb::Envelope &e) {
        e.mutable_hello()->set_protocol_major(1);
        e.mutable_hello()->set_client_name("fuzz");
        e.mutable_hello()->set_device_id(uuidBytes());
    });
    add("register", [](pb::Envelope &e) {
        e.mutable_register_account()->set_username("someone");
        e.mutable_register_account()->set_password("password123");
    });
    add("login", [](pb::Envelope &e) {
        e.mutable_login()->set_username("fuzz");
        e.mutable_login()->set_password("password123");
    });
    add("resume", [](pb::Envelope &e) { e.mutable_resume()->set_token("not-a-token"); });
    add("send-in", [](pb::Envelope &e) {
        e.mutable_send_message()->set_client_id(uuidBytes());
        e.mutable_send_message()->set_conversation_id(1);
        e.mutable_send_message()->set_text("hello 👋 *world*");
    });
    add("send-to-user", [](pb::Envelope &e) {
        e.mutable_send_message()->set_client_id(uuidBytes());
        e.mutable_send_message()->set_peer_user_id(2);
        e.mutable_send_message()->set_text("hi");
    });
    add("send-to-name", [](pb::Envelope &e) {
        e.mutable_send_message()->set_client_id(uuidBytes());
        e.mutable_send_message()->set_peer_username("peer");
        e.mutable_send_message()->set_text("hi");
    });
    add("sync", [](pb::Envelope &e) {
        auto *cursor = e.mutable_sync_request()->add_cursors();
        cursor->set_conversation_id(1);
        cursor->set_seq(1);
        e.mutable_sync_request()->set_page_size(10);
    });
    add("history", [](pb::Envelope &e) {
        e.mutable_history_request()->set_conversation_id(1);
        e.mutable_history_request()->set_before_seq(5);
        e.mutable_history_request()->set_limit(3);
    });
    add("list", [](pb::Envelope &e) { e.mutable_list_conversations(); });
    add("create-group", [](pb::Envelope &e) {
        e.mutable_create_group()->set_client_id(uuidBytes());
        e.mutable_create_group()->set_title("team");
        e.mutable_create_group()->add_member_ids(2);
        e.mutable_create_group()->add_member_usernames("peer");
    });
    add("rename", [](pb::Envelope &e) {
        e.mutable_rename_group()->set_conversation_id(1);
        e.mutable_rename_group()->set_title("renamed");
    });
    add("add-members", [](pb::Envelope &e) {
        e.mutable_add_members()->set_conversation_id(1);
        e.mutable_add_members()->add_user_ids(2);
    });
    add("remove-member", [](pb::Envelope &e) {
        e.mutable_remove_member()->set_conversation_id(1);
        e.mutable_remove_member()->set_user_id(2);
    });
    add("leave", [](pb::Envelope &e) { e.mutable_leave_group()->set_conversation_id(1); });
    add("set-role", [](pb::Envelope &e) {
        e.mutable_set_role()->set_conversation_id(1);
        e.mutable_set_role()->set_user_id(2);
        e.mutable_set_role()->set_role(pb::ROLE_ADMIN);
    });
    add("set-retention", [](pb::Envelope &e) {
        e.mutable_set_retention()->set_conversation_id(1);
        e.mutable_set_retention()->set_retention_days(7);
    });
    add("presence",
        [](pb::Envelope &e) { e.mutable_set_presence()->set_state(pb::PRESENCE_AWAY); });
    add("typing", [](pb::Envelope &e) { e.mutable_typing()->set_conversation_id(1); });
    add("receipt", [](pb::Envelope &e) {
        e.mutable_update_receipt()->set_conversation_id(1);
        e.mutable_update_receipt()->set_delivered_seq(2);
        e.mutable_update_receipt()->set_read_seq(1);
    });
    add("list-sessions", [](pb::Envelope &e) { e.mutable_list_sessions(); });
    add("revoke-session",
        [](pb::Envelope &e) { e.mutable_revoke_session()->set_session_id(std::string(32, 'x')); });
    add("revoke-others", [](pb::Envelope &e) { e.mutable_revoke_other_sessions(); });
    add("change-password", [](pb::Envelope &e) {
        e.mutable_change_password()->set_current_password("password123");
        e.mutable_change_password()->set_new_password("password456");
    });
    add("logout", [](pb::Envelope &e) { e.mutable_logout(); });
    return seeds;
}

QByteArray joinFrames(const QList<QByteArray> &frames)
{
    QByteArray joined;
    for (const QByteArray &frame : frames) {
        const auto size = quint16(std::min<qsizetype>(frame.size(), 0xFFFF));
        joined.append(char(size & 0xFF)).append(char(size >> 8)).append(frame.left(size));
    }
    return joined;
}

QList<QByteArray> splitFrames(const uint8_t *data, size_t size)
{
    QList<QByteArray> frames;
    size_t at = 0;
    while (at + 2 <= size) {
        const size_t length = size_t(data[at]) | size_t(data[at + 1]) << 8;
        at += 2;
        const size_t taken = std::min(length, size - at);
        frames.append(QByteArray(reinterpret_cast<const char *>(data + at), qsizetype(taken)));
        at += taken;
    }
    return frames;
}

bool writeSeedsIfAsked(const QList<std::pair<QString, QByteArray>> &seeds)
{
    const QString dir = qEnvironmentVariable("CONFAB_FUZZ_WRITE_SEEDS");
    if (dir.isEmpty())
        return false;
    QDir().mkpath(dir);
    for (const auto &[name, bytes] : seeds) {
        QFile file(QDir(dir).filePath(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(bytes) != bytes.size())
            qFatal("cannot write the seed %s", qPrintable(file.fileName()));
    }
    return true;
}

} // namespace Confab::Fuzz
