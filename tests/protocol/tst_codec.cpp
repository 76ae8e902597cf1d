#include <confab/codec.h>
#include <confab/ids.h>

#include <QSet>
#include <QTest>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

using namespace Confab;

namespace {

std::string sampleUuid()
{
    return uuidToWire(QUuid::createUuid());
}

void fillMessage(pb::Message *m, const char *text)
{
    m->set_message_id(7'000'000'001);
    m->set_conversation_id(42);
    m->set_seq(9);
    m->set_sender_id(5);
    m->set_client_id(sampleUuid());
    m->set_server_time_ms(1'790'000'000'000);
    m->set_text(text);
    m->set_reply_to_message_id(6'999'999'999);
    m->set_reply_to_seq(8);
    m->add_mention_user_ids(6);
    m->set_edited_ms(1'790'000'000'500);
    m->set_changed_seq(11);
    auto *reaction = m->add_reactions();
    reaction->set_emoji("❤️");
    reaction->add_user_ids(6);
}

void fillConversation(pb::Conversation *c)
{
    c->set_conversation_id(42);
    c->set_kind(pb::CONVERSATION_KIND_DIRECT);
    auto *alice = c->add_members();
    alice->set_user_id(5);
    alice->set_username("alice");
    alice->set_display_name("Alice Liddell");
    auto *wang = c->add_members();
    wang->set_user_id(6);
    wang->set_username("wang");
    wang->set_display_name("王小明");
    c->set_last_seq(9);
    fillMessage(c->mutable_last_message(), "see you 明天");
    c->set_read_seq(7);
    c->set_unread_count(2);
}

// One sample envelope per body type, keyed by the body's field name in confab.proto.
QList<QPair<QByteArray, pb::Envelope>> sampleEnvelopes()
{
    QList<QPair<QByteArray, pb::Envelope>> samples;
    auto add = [&samples](const char *name, auto fill) {
        pb::Envelope e;
        e.set_request_id(samples.size() + 1);
        fill(e);
        samples.append({ QByteArray(name), e });
    };
    add("hello", [](pb::Envelope &e) {
        auto *h = e.mutable_hello();
        h->set_protocol_major(1);
        h->set_protocol_minor(0);
        h->set_client_name("confab");
        h->set_client_version("0.1.0");
        h->set_device_id(sampleUuid());
    });
    add("welcome", [](pb::Envelope &e) {
        auto *w = e.mutable_welcome();
        w->set_protocol_major(1);
        w->set_server_name("confabd");
        w->set_server_version("0.1.0");
        Limits().toPb(w->mutable_limits());
        w->set_node_id(3);
        w->set_server_time_ms(1'790'000'000'000);
    });
    add("register_account", [](pb::Envelope &e) {
        e.mutable_register_account()->set_username("alice");
        e.mutable_register_account()->set_password("correct horse battery staple");
        e.mutable_register_account()->set_display_name("Alice");
    });
    add("login", [](pb::Envelope &e) {
        e.mutable_login()->set_username("alice");
        e.mutable_login()->set_password("pässwörd");
    });
    add("resume", [](pb::Envelope &e) { e.mutable_resume()->set_token(std::string(43, 'x')); });
    add("auth_ok", [](pb::Envelope &e) {
        auto *a = e.mutable_auth_ok();
        a->mutable_user()->set_user_id(5);
        a->mutable_user()->set_username("alice");
        a->set_token("tok");
        a->set_token_expires_ms(1'800'000'000'000);
        a->set_resumed(true);
    });
    add("logout", [](pb::Envelope &e) { e.mutable_logout(); });
    add("ok", [](pb::Envelope &e) { e.mutable_ok(); });
    add("error", [](pb::Envelope &e) {
        e.mutable_error()->set_code(pb::RATE_LIMITED);
        e.mutable_error()->set_message("slow down");
        e.mutable_error()->set_request_id(e.request_id());
        e.mutable_error()->set_retry_after_ms(250);
    });
    add("send_message", [](pb::Envelope &e) {
        auto *s = e.mutable_send_message();
        s->set_client_id(sampleUuid());
        s->set_peer_username("wang");
        s->set_text("你好, Wang! 👋");
    });
    add("change_message", [](pb::Envelope &e) {
        auto *c = e.mutable_change_message();
        c->set_client_id(sampleUuid());
        c->set_conversation_id(42);
        c->set_message_id(7'000'000'001);
        c->set_kind(pb::MessageChange::REACTION_ADDED);
        c->set_emoji("👍🏽");
    });
    add("begin_upload", [](pb::Envelope &e) {
        auto *b = e.mutable_begin_upload();
        b->set_name("holiday 写真.jpg");
        b->set_mime_type("image/jpeg");
        b->set_size(3'000'000);
        b->set_sha256(std::string(32, '\x5a'));
        b->set_thumbnail(std::string(2000, '\x01'));
        b->set_width(4000);
        b->set_height(3000);
    });
    add("upload_status", [](pb::Envelope &e) {
        e.mutable_upload_status()->set_upload_id(sampleUuid());
        e.mutable_upload_status()->set_committed_offset(262'144);
    });
    add("upload_chunk", [](pb::Envelope &e) {
        e.mutable_upload_chunk()->set_upload_id(sampleUuid());
        e.mutable_upload_chunk()->set_offset(262'144);
        e.mutable_upload_chunk()->set_data(std::string(200'000, '\x7f')); // over max_frame_bytes
    });
    add("download_request", [](pb::Envelope &e) {
        e.mutable_download_request()->set_attachment_id(7'000'000'002);
        e.mutable_download_request()->set_offset(262'144);
    });
    add("download_chunk", [](pb::Envelope &e) {
        e.mutable_download_chunk()->set_attachment_id(7'000'000'002);
        e.mutable_download_chunk()->set_offset(262'144);
        e.mutable_download_chunk()->set_data(std::string(1000, '\x33'));
        e.mutable_download_chunk()->set_size(3'000'000);
    });
    add("message_ack", [](pb::Envelope &e) {
        auto *a = e.mutable_message_ack();
        a->set_client_id(sampleUuid());
        a->set_message_id(7'000'000'001);
        a->set_conversation_id(42);
        a->set_seq(9);
        a->set_server_time_ms(1'790'000'000'000);
    });
    add("message_event", [](pb::Envelope &e) {
        e.set_request_id(0);
        fillMessage(e.mutable_message_event()->mutable_message(), "hello");
    });
    add("sync_request", [](pb::Envelope &e) {
        auto *cursor = e.mutable_sync_request()->add_cursors();
        cursor->set_conversation_id(42);
        cursor->set_seq(7);
        e.mutable_sync_request()->set_page_size(100);
    });
    add("sync_page", [](pb::Envelope &e) {
        fillConversation(e.mutable_sync_page()->add_conversations());
        fillMessage(e.mutable_sync_page()->add_messages(), "one");
        fillMessage(e.mutable_sync_page()->add_messages(), "two");
        e.mutable_sync_page()->set_has_more(true);
    });
    add("history_request", [](pb::Envelope &e) {
        e.mutable_history_request()->set_conversation_id(42);
        e.mutable_history_request()->set_before_seq(100);
        e.mutable_history_request()->set_limit(50);
    });
    add("history_page", [](pb::Envelope &e) {
        e.mutable_history_page()->set_conversation_id(42);
        fillMessage(e.mutable_history_page()->add_messages(), "old");
        e.mutable_history_page()->set_has_more(false);
    });
    add("list_conversations", [](pb::Envelope &e) { e.mutable_list_conversations(); });
    add("conversation_list", [](pb::Envelope &e) {
        fillConversation(e.mutable_conversation_list()->add_conversations());
    });
    add("create_group", [](pb::Envelope &e) {
        auto *c = e.mutable_create_group();
        c->set_client_id(sampleUuid());
        c->set_title("家人 Family");
        c->add_member_ids(2);
        c->add_member_usernames("wang");
    });
    add("rename_group", [](pb::Envelope &e) {
        e.mutable_rename_group()->set_conversation_id(42);
        e.mutable_rename_group()->set_title("Weekend");
    });
    add("add_members", [](pb::Envelope &e) {
        e.mutable_add_members()->set_conversation_id(42);
        e.mutable_add_members()->add_user_ids(3);
        e.mutable_add_members()->add_usernames("li");
    });
    add("remove_member", [](pb::Envelope &e) {
        e.mutable_remove_member()->set_conversation_id(42);
        e.mutable_remove_member()->set_user_id(3);
    });
    add("leave_group", [](pb::Envelope &e) { e.mutable_leave_group()->set_conversation_id(42); });
    add("set_role", [](pb::Envelope &e) {
        e.mutable_set_role()->set_conversation_id(42);
        e.mutable_set_role()->set_user_id(3);
        e.mutable_set_role()->set_role(pb::ROLE_ADMIN);
    });
    add("set_retention", [](pb::Envelope &e) {
        e.mutable_set_retention()->set_conversation_id(42);
        e.mutable_set_retention()->set_retention_days(7);
    });
    add("group_result", [](pb::Envelope &e) {
        fillConversation(e.mutable_group_result()->mutable_conversation());
        auto *event = e.mutable_group_result()->mutable_event();
        fillMessage(event, "");
        event->mutable_group_event()->set_kind(pb::GroupEvent::MEMBERS_ADDED);
        event->mutable_group_event()->add_user_ids(3);
    });
    add("conversation_event", [](pb::Envelope &e) {
        e.set_request_id(0);
        fillConversation(e.mutable_conversation_event()->mutable_conversation());
    });
    add("set_presence",
        [](pb::Envelope &e) { e.mutable_set_presence()->set_state(pb::PRESENCE_AWAY); });
    add("presence_event", [](pb::Envelope &e) {
        e.set_request_id(0);
        auto *p = e.mutable_presence_event()->add_presences();
        p->set_user_id(2);
        p->set_state(pb::PRESENCE_OFFLINE);
        p->set_last_seen_ms(1'790'000'000'000);
    });
    add("typing", [](pb::Envelope &e) {
        e.set_request_id(0);
        e.mutable_typing()->set_conversation_id(42);
    });
    add("typing_event", [](pb::Envelope &e) {
        e.set_request_id(0);
        e.mutable_typing_event()->set_conversation_id(42);
        e.mutable_typing_event()->set_user_id(2);
    });
    add("update_receipt", [](pb::Envelope &e) {
        e.mutable_update_receipt()->set_conversation_id(42);
        e.mutable_update_receipt()->set_delivered_seq(9);
        e.mutable_update_receipt()->set_read_seq(7);
    });
    add("receipt_event", [](pb::Envelope &e) {
        e.set_request_id(0);
        auto *r = e.mutable_receipt_event()->mutable_receipt();
        r->set_conversation_id(42);
        r->set_user_id(2);
        r->set_delivered_seq(9);
        r->set_read_seq(7);
    });
    add("list_sessions", [](pb::Envelope &e) { e.mutable_list_sessions(); });
    add("session_list", [](pb::Envelope &e) {
        pb::SessionInfo *session = e.mutable_session_list()->add_sessions();
        session->set_session_id(std::string(32, '\x7f'));
        session->set_client_name("confab");
        session->set_client_version("0.1.0");
        session->set_device_name("笔记本 (Debian GNU/Linux 12)");
        session->set_created_ms(1'700'000'000'000);
        session->set_last_seen_ms(1'700'000'100'000);
        session->set_expires_ms(1'702'592'000'000);
        session->set_current(true);
        session->set_online(true);
    });
    add("revoke_session", [](pb::Envelope &e) {
        e.mutable_revoke_session()->set_session_id(std::string(32, '\x01'));
    });
    add("revoke_other_sessions", [](pb::Envelope &e) { e.mutable_revoke_other_sessions(); });
    add("change_password", [](pb::Envelope &e) {
        e.mutable_change_password()->set_current_password("old password");
        e.mutable_change_password()->set_new_password("new password");
    });
    auto fillPrefs = [](pb::NotificationPrefs *prefs) {
        prefs->set_do_not_disturb(true);
        prefs->set_quiet_hours(true);
        prefs->set_quiet_start_minute(22 * 60);
        prefs->set_quiet_end_minute(7 * 60 + 30);
        prefs->set_time_zone("Asia/Shanghai");
        prefs->set_hide_preview(true);
        auto *muted = prefs->add_conversations();
        muted->set_conversation_id(77);
        muted->set_level(pb::NOTIFY_LEVEL_MUTED);
        muted->set_muted_until_ms(1'800'000'000'000);
        prefs->set_version(3);
    };
    add("get_notification_prefs", [](pb::Envelope &e) { e.mutable_get_notification_prefs(); });
    add("set_notification_prefs", [fillPrefs](pb::Envelope &e) {
        fillPrefs(e.mutable_set_notification_prefs()->mutable_prefs());
    });
    add("notification_prefs",
        [fillPrefs](pb::Envelope &e) { fillPrefs(e.mutable_notification_prefs()); });
    return samples;
}

pb::Envelope sampleOf(const char *name)
{
    for (const auto &[key, envelope] : sampleEnvelopes())
        if (key == name)
            return envelope;
    qFatal("no sample envelope named %s", name);
}

// Appends a length-delimited field with the given number to serialised bytes.
QByteArray withLengthDelimitedField(QByteArray bytes, int fieldNumber, const QByteArray &payload)
{
    auto varint = [&bytes](quint64 value) {
        do {
            quint8 byte = value & 0x7F;
            value >>= 7;
            if (value)
                byte |= 0x80;
            bytes.append(char(byte));
        } while (value);
    };
    varint((quint64(fieldNumber) << 3) | 2);
    varint(quint64(payload.size()));
    bytes.append(payload);
    return bytes;
}

QByteArray serialized(const pb::Envelope &envelope)
{
    return QByteArray::fromStdString(envelope.SerializeAsString());
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyBodyHasASample();
    void roundTrip_data();
    void roundTrip();
    void rejects_data();
    void rejects();
    void oversizeIsRejectedBeforeParsing();
    void validationErrorCarriesRequestId();
    void unknownFieldsInKnownBodyAreTolerated();
    void errorEnvelopeRoundTrip();
    void errorCodesHaveNames();
};

void TestCodec::everyBodyHasASample()
{
    // A new body in confab.proto without a sample here fails, so round-trips cover every message.
    QSet<QByteArray> sampled;
    for (const auto &[name, envelope] : sampleEnvelopes()) {
        QCOMPARE(QByteArray(Codec::bodyName(envelope)), name);
        sampled.insert(name);
    }
    const auto *body = pb::Envelope::descriptor()->FindOneofByName("body");
    QVERIFY(body);
    for (int i = 0; i < body->field_count(); ++i) {
        const QByteArray name = QByteArray::fromStdString(body->field(i)->name());
        QVERIFY2(sampled.contains(name), name.constData());
    }
    QCOMPARE(sampled.size(), body->field_count());
}

void TestCodec::roundTrip_data()
{
    QTest::addColumn<QByteArray>("frame");
    for (const auto &[name, envelope] : sampleEnvelopes())
        QTest::newRow(name.constData()) << Codec::encode(envelope);
}

void TestCodec::roundTrip()
{
    QFETCH(QByteArray, frame);
    auto decoded = Codec::decode(frame, Limits());
    QVERIFY2(decoded.isOk(), qPrintable(decoded.isOk() ? QString() : decoded.error().message));
    QCOMPARE(Codec::encode(decoded.value()), frame);
    pb::Envelope original;
    QVERIFY(original.ParseFromArray(frame.constData(), int(frame.size())));
    QVERIFY(google::protobuf::util::MessageDifferencer::Equals(original, decoded.value()));
}

void TestCodec::rejects_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<ErrorCode>("code");

    const QByteArray send = Codec::encode(sampleOf("send_message"));
    Limits limits;

    QTest::newRow("empty") << QByteArray() << ErrorCode::BAD_FRAME;
    QTest::newRow("truncated") << send.left(send.size() - 3) << ErrorCode::BAD_FRAME;
    QTest::newRow("garbage") << QByteArray(64, '\xff') << ErrorCode::BAD_FRAME;
    QTest::newRow("text-frame-json") << QByteArray(R"({"type":"hello"})") << ErrorCode::BAD_FRAME;
    QTest::newRow("oversize") << QByteArray(qsizetype(limits.maxFrameBytes) + 1, 'a')
                              << ErrorCode::FRAME_TOO_LARGE;

    pb::Envelope noBody;
    noBody.set_request_id(3);
    QTest::newRow("no-body") << serialized(noBody) << ErrorCode::EMPTY_BODY;
    QTest::newRow("unknown-body") << withLengthDelimitedField(serialized(noBody), 999, "x")
                                  << ErrorCode::UNKNOWN_BODY;

    pb::Envelope badText = sampleOf("send_message");
    badText.mutable_send_message()->set_text("caf\xc3"); // truncated two-byte sequence
    QTest::newRow("invalid-utf8-text") << serialized(badText) << ErrorCode::INVALID_UTF8;

    pb::Envelope badNested = sampleOf("sync_page");
    badNested.mutable_sync_page()->mutable_messages(1)->set_text("\xed\xa0\x80"); // a surrogate
    QTest::newRow("invalid-utf8-nested") << serialized(badNested) << ErrorCode::INVALID_UTF8;

    pb::Envelope badName = sampleOf("login");
    badName.mutable_login()->set_username("\xc0\xaf"); // overlong '/'
    QTest::newRow("invalid-utf8-username") << serialized(badName) << ErrorCode::INVALID_UTF8;

    pb::Envelope longText = sampleOf("send_message");
    longText.mutable_send_message()->set_text(std::string(limits.maxTextBytes + 1, 'a'));
    QTest::newRow("text-too-long") << serialized(longText) << ErrorCode::TEXT_TOO_LONG;

    pb::Envelope longName = sampleOf("register_account");
    longName.mutable_register_account()->set_username(std::string(kMaxNameBytes + 1, 'a'));
    QTest::newRow("username-too-long") << serialized(longName) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope longPassword = sampleOf("login");
    longPassword.mutable_login()->set_password(std::string(kMaxPasswordBytes + 1, 'p'));
    QTest::newRow("password-too-long") << serialized(longPassword) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope shortUuid = sampleOf("send_message");
    shortUuid.mutable_send_message()->set_client_id("0123456789");
    QTest::newRow("client-id-not-16-bytes") << serialized(shortUuid) << ErrorCode::INVALID_ARGUMENT;

    pb::Envelope noDevice = sampleOf("hello");
    noDevice.mutable_hello()->clear_device_id();
    QTest::newRow("hello-without-device-id") << serialized(noDevice) << ErrorCode::INVALID_ARGUMENT;

    pb::Envelope bigPage = sampleOf("history_page");
    for (quint32 i = 0; i < limits.maxPageSize; ++i)
        fillMessage(bigPage.mutable_history_page()->add_messages(), "x");
    Limits roomy = limits;
    roomy.maxFrameBytes = 1 << 20;
    QVERIFY(serialized(bigPage).size() <= qsizetype(roomy.maxFrameBytes));
    QTest::newRow("page-over-limit") << serialized(bigPage) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope manyCursors;
    for (int i = 0; i <= kMaxSyncCursors; ++i)
        manyCursors.mutable_sync_request()->add_cursors()->set_conversation_id(quint64(i) + 1);
    QTest::newRow("too-many-cursors") << serialized(manyCursors) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope bigGroup = sampleOf("create_group");
    for (quint32 i = 0; i <= limits.maxGroupMembers; ++i)
        bigGroup.mutable_create_group()->add_member_ids(i + 10);
    QTest::newRow("group-over-limit") << serialized(bigGroup) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope longTitle = sampleOf("rename_group");
    longTitle.mutable_rename_group()->set_title(std::string(kMaxNameBytes + 1, 't'));
    QTest::newRow("group-title-too-long") << serialized(longTitle) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope badMemberName = sampleOf("add_members");
    badMemberName.mutable_add_members()->set_usernames(0, "\xff\xfe");
    QTest::newRow("invalid-utf8-member") << serialized(badMemberName) << ErrorCode::INVALID_UTF8;

    pb::Envelope longEmoji = sampleOf("change_message");
    longEmoji.mutable_change_message()->set_emoji(std::string(kMaxEmojiBytes + 1, '*'));
    QTest::newRow("emoji-too-long") << serialized(longEmoji) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope longEdit = sampleOf("change_message");
    longEdit.mutable_change_message()->set_text(std::string(limits.maxTextBytes + 1, 'e'));
    QTest::newRow("edit-too-long") << serialized(longEdit) << ErrorCode::TEXT_TOO_LONG;

    pb::Envelope manyReactions = sampleOf("message_event");
    for (int i = 0; i <= kMaxReactionKinds; ++i)
        manyReactions.mutable_message_event()->mutable_message()->add_reactions()->set_emoji("+");
    QTest::newRow("too-many-reactions") << serialized(manyReactions) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope bigChunk = sampleOf("upload_chunk");
    bigChunk.mutable_upload_chunk()->set_data(std::string(limits.attachmentChunkBytes + 1, 'c'));
    QTest::newRow("chunk-over-chunk-size") << serialized(bigChunk) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope bigText = sampleOf("send_message"); // only chunks may pass max_frame_bytes
    bigText.mutable_send_message()->set_peer_username(std::string(100'000, 'u'));
    QTest::newRow("non-chunk-over-frame") << serialized(bigText) << ErrorCode::FRAME_TOO_LARGE;

    pb::Envelope lateNight = sampleOf("set_notification_prefs");
    lateNight.mutable_set_notification_prefs()->mutable_prefs()->set_quiet_end_minute(24 * 60);
    QTest::newRow("quiet-hours-past-midnight")
        << serialized(lateNight) << ErrorCode::INVALID_ARGUMENT;
    pb::Envelope longZone = sampleOf("set_notification_prefs");
    longZone.mutable_set_notification_prefs()->mutable_prefs()->set_time_zone(std::string(65, 'z'));
    QTest::newRow("time-zone-too-long") << serialized(longZone) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope shortHash = sampleOf("begin_upload");
    shortHash.mutable_begin_upload()->set_sha256("abc");
    QTest::newRow("upload-hash-not-32-bytes")
        << serialized(shortHash) << ErrorCode::INVALID_ARGUMENT;

    pb::Envelope bigThumb = sampleOf("begin_upload");
    bigThumb.mutable_begin_upload()->set_thumbnail(std::string(kMaxThumbnailBytes + 1, 't'));
    QTest::newRow("thumbnail-too-big") << serialized(bigThumb) << ErrorCode::FIELD_TOO_LONG;

    pb::Envelope groupNoClientId = sampleOf("create_group");
    groupNoClientId.mutable_create_group()->clear_client_id();
    QTest::newRow("create-group-without-client-id")
        << serialized(groupNoClientId) << ErrorCode::INVALID_ARGUMENT;
}

void TestCodec::rejects()
{
    QFETCH(QByteArray, frame);
    QFETCH(ErrorCode, code);
    Limits limits;
    limits.maxFrameBytes = qMax<quint32>(limits.maxFrameBytes, 1 << 20);
    const QByteArray tag = QTest::currentDataTag();
    if (tag == "oversize" || tag == "chunk-over-chunk-size" || tag == "non-chunk-over-frame")
        limits = Limits(); // the default frame and chunk sizes
    const auto decoded = Codec::decode(frame, limits);
    QVERIFY(!decoded.isOk());
    QCOMPARE(errorCodeName(decoded.error().code), errorCodeName(code));
    QVERIFY(!decoded.error().message.isEmpty());
}

void TestCodec::oversizeIsRejectedBeforeParsing()
{
    // A frame one byte over the limit is refused even when it is a valid envelope.
    pb::Envelope envelope = sampleOf("send_message");
    const QByteArray frame = Codec::encode(envelope);
    Limits limits;
    limits.maxFrameBytes = quint32(frame.size() - 1);
    const auto decoded = Codec::decode(frame, limits);
    QVERIFY(!decoded.isOk());
    QCOMPARE(decoded.error().code, ErrorCode::FRAME_TOO_LARGE);
    limits.maxFrameBytes = quint32(frame.size());
    QVERIFY(Codec::decode(frame, limits).isOk());
}

void TestCodec::validationErrorCarriesRequestId()
{
    pb::Envelope envelope = sampleOf("send_message");
    envelope.set_request_id(4711);
    envelope.mutable_send_message()->set_text(std::string(Limits().maxTextBytes + 1, 'a'));
    Limits limits;
    limits.maxFrameBytes = 1 << 20;
    const auto decoded = Codec::decode(Codec::encode(envelope), limits);
    QVERIFY(!decoded.isOk());
    QCOMPARE(decoded.error().requestId, quint64(4711));

    pb::Envelope unknown;
    unknown.set_request_id(99);
    const auto unknownDecoded =
        Codec::decode(withLengthDelimitedField(serialized(unknown), 500, "?"), limits);
    QVERIFY(!unknownDecoded.isOk());
    QCOMPARE(unknownDecoded.error().code, ErrorCode::UNKNOWN_BODY);
    QCOMPARE(unknownDecoded.error().requestId, quint64(99));
}

void TestCodec::unknownFieldsInKnownBodyAreTolerated()
{
    // A newer peer may add fields to a known message; an older one must still read the rest.
    pb::SendMessage send = sampleOf("send_message").send_message();
    QByteArray inner = QByteArray::fromStdString(send.SerializeAsString());
    inner = withLengthDelimitedField(inner, 77, "from the future");
    pb::Envelope shell;
    shell.set_request_id(12);
    const QByteArray frame = withLengthDelimitedField(serialized(shell), 20, inner);

    const auto decoded = Codec::decode(frame, Limits());
    QVERIFY2(decoded.isOk(), qPrintable(decoded.isOk() ? QString() : decoded.error().message));
    QCOMPARE(decoded.value().request_id(), quint64(12));
    QCOMPARE(decoded.value().send_message().text(), send.text());
    QCOMPARE(decoded.value().send_message().peer_username(), std::string("wang"));
}

void TestCodec::errorEnvelopeRoundTrip()
{
    const Error error { ErrorCode::RATE_LIMITED, QStringLiteral("slow down"), 31, 500 };
    const auto decoded = Codec::decode(Codec::encode(error.toEnvelope()), Limits());
    QVERIFY(decoded.isOk());
    QCOMPARE(decoded.value().request_id(), quint64(31));
    const Error back = Error::fromPb(decoded.value().error());
    QCOMPARE(back.code, ErrorCode::RATE_LIMITED);
    QCOMPARE(back.message, QStringLiteral("slow down"));
    QCOMPARE(back.requestId, quint64(31));
    QCOMPARE(back.retryAfterMs, quint32(500));
    QVERIFY(back.isTransient());
    QVERIFY(!(Error { ErrorCode::FORBIDDEN, {} }.isTransient()));
}

void TestCodec::errorCodesHaveNames()
{
    const auto *codes = pb::ErrorCode_descriptor();
    for (int i = 0; i < codes->value_count(); ++i) {
        const auto code = ErrorCode(codes->value(i)->number());
        QCOMPARE(errorCodeName(code), QString::fromStdString(codes->value(i)->name()));
    }
    QCOMPARE(errorCodeName(ErrorCode(4242)), QStringLiteral("ERROR_4242"));
}

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
