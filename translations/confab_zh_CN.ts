<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Autostart</name>
    <message>
        <source>That program cannot be started at login.</source>
        <translation>无法在登录时启动该程序。</translation>
    </message>
    <message>
        <source>Windows did not accept the login item.</source>
        <translation>Windows 未接受该登录项。</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Cannot remove %1: %2</source>
        <translation>无法删除 %1：%2</translation>
    </message>
</context>
<context>
    <name>Confab::Client::ChatClient</name>
    <message>
        <source>Connecting to %1</source>
        <translation>正在连接 %1</translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation>正在登录</translation>
    </message>
    <message>
        <source>Disconnected: %1</source>
        <translation>已断开：%1</translation>
    </message>
    <message>
        <source>Syncing</source>
        <translation>正在同步</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>已断开</translation>
    </message>
    <message>
        <source>The local cache cannot be opened</source>
        <translation>无法打开本地缓存</translation>
    </message>
    <message>
        <source>You are offline. Try again when Confab is connected.</source>
        <translation>您处于离线状态。请在 Confab 连接后重试。</translation>
    </message>
    <message>
        <source>The connection was lost before the server answered. Check the group, then try again.</source>
        <translation>服务器回复前连接已断开。请检查群组后重试。</translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate has changed since you trusted it</source>
        <translation>未连接：服务器的证书与您之前信任的不同</translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate is not trusted</source>
        <translation>未连接：服务器的证书未受信任</translation>
    </message>
    <message>
        <source>The connection was lost before the server answered. Try again once online.</source>
        <translation>服务器回答之前连接已断开。请在联网后重试。</translation>
    </message>
    <message>
        <source>Not connected to the server. Try again once online.</source>
        <translation>未连接到服务器。请在联网后重试。</translation>
    </message>
    <message>
        <source>This server is too old to manage sessions and passwords from here. Ask its administrator to update it.</source>
        <translation>此服务器版本太旧，无法在这里管理会话和密码。请让管理员更新服务器。</translation>
    </message>
    <message>
        <source>The current password is wrong.</source>
        <translation>当前密码不正确。</translation>
    </message>
    <message>
        <source>The server is too old to edit, delete or react to messages.</source>
        <translation>服务器版本太旧，无法编辑、删除消息或回应表情。</translation>
    </message>
    <message>
        <source>This message cannot be changed.</source>
        <translation>这条消息无法更改。</translation>
    </message>
    <message>
        <source>An edited message cannot be empty.</source>
        <translation>编辑后的消息不能为空。</translation>
    </message>
    <message>
        <source>Only your own messages can be edited.</source>
        <translation>只能编辑自己的消息。</translation>
    </message>
    <message>
        <source>The file %1 cannot be read any more, or it changed.</source>
        <translation>文件 %1 已无法读取，或已被更改。</translation>
    </message>
    <message>
        <source>The file %1 cannot be read.</source>
        <translation>无法读取文件 %1。</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>无法写入 %1。</translation>
    </message>
    <message>
        <source>Cannot write %1: is the disk full?</source>
        <translation>无法写入 %1：磁盘是否已满？</translation>
    </message>
    <message>
        <source>At most %1 files can go with one message.</source>
        <translation>一条消息最多只能附带 %1 个文件。</translation>
    </message>
    <message>
        <source>Cannot read %1.</source>
        <translation>无法读取 %1。</translation>
    </message>
    <message>
        <source>%1 is empty.</source>
        <translation>%1 是空文件。</translation>
    </message>
    <message>
        <source>%1 is larger than this server takes (%2 MB).</source>
        <translation>%1 超过了此服务器允许的大小（%2 MB）。</translation>
    </message>
    <message>
        <source>The server sent a wrong part of %1.</source>
        <translation>服务器发送了 %1 的错误部分。</translation>
    </message>
    <message>
        <source>This server is too old for disappearing messages. Ask its administrator to update it.</source>
        <translation>此服务器版本太旧，不支持消息自动消失。请让管理员更新服务器。</translation>
    </message>
    <message>
        <source>You are not signed in.</source>
        <translation>您尚未登录。</translation>
    </message>
    <message>
        <source>This server is too old for disappearing messages.</source>
        <translation>此服务器版本太旧，不支持消息自动消失。</translation>
    </message>
    <message>
        <source>The chat starts with its first message.</source>
        <translation>发送第一条消息后才有这个聊天。</translation>
    </message>
    <message>
        <source>You are no longer a member of this chat.</source>
        <translation>您已不是此聊天的成员。</translation>
    </message>
    <message>
        <source>Only the group&apos;s owner and admins can change this.</source>
        <translation>只有群主和管理员可以更改此设置。</translation>
    </message>
</context>
<context>
    <name>Confab::Client::ConversationListModel</name>
    <message>
        <source>This message was deleted</source>
        <translation>此消息已被删除</translation>
    </message>
    <message>
        <source>📎 %1</source>
        <translation>📎 %1</translation>
    </message>
</context>
<context>
    <name>Confab::Client::LocalServer</name>
    <message>
        <source>The Confab server (confabd) is not installed next to this app.</source>
        <translation>本应用旁边没有安装 Confab 服务器 (confabd)。</translation>
    </message>
    <message>
        <source>The server could not be started: %1</source>
        <translation>无法启动服务器：%1</translation>
    </message>
    <message>
        <source>The server stopped at once (exit code %1). %2</source>
        <translation>服务器立即停止了（退出代码 %1）。%2</translation>
    </message>
    <message>
        <source>Confab server on this computer</source>
        <translation>本机上的 Confab 服务器</translation>
    </message>
</context>
<context>
    <name>Confab::Client::MessageListModel</name>
    <message>
        <source>Someone</source>
        <translation>某人</translation>
    </message>
    <message>
        <source>You</source>
        <translation>您</translation>
    </message>
    <message>
        <source>%1 created the group “%2”</source>
        <translation>%1 创建了群组“%2”</translation>
    </message>
    <message>
        <source>%1 renamed the group to “%2”</source>
        <translation>%1 将群组重命名为“%2”</translation>
    </message>
    <message>
        <source>%1 added %2</source>
        <translation>%1 添加了 %2</translation>
    </message>
    <message>
        <source>%1 removed %2</source>
        <translation>%1 移除了 %2</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>%1 已退出</translation>
    </message>
    <message>
        <source>%1 left; %2 is now the owner</source>
        <translation>%1 已退出；%2 现在是群主</translation>
    </message>
    <message>
        <source>%1 made %2 the owner</source>
        <translation>%1 将 %2 设为群主</translation>
    </message>
    <message>
        <source>%1 made %2 an admin</source>
        <translation>%1 将 %2 设为管理员</translation>
    </message>
    <message>
        <source>%1 made %2 a member</source>
        <translation>%1 将 %2 设为普通成员</translation>
    </message>
    <message>
        <source>An earlier message</source>
        <translation>一条较早的消息</translation>
    </message>
    <message>
        <source>%1: (deleted message)</source>
        <translation>%1：（已删除的消息）</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1 set messages to disappear after %2</source>
        <translation>%1 将消息设为 %2 后自动消失</translation>
    </message>
    <message>
        <source>%1 turned off disappearing messages</source>
        <translation>%1 关闭了消息自动消失</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n 年</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n week(s)</source>
        <translation>
            <numerusform>%n 周</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n 天</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Confab::Client::NotificationPolicy</name>
    <message>
        <source>New message</source>
        <translation>新消息</translation>
    </message>
    <message numerus="yes">
        <source>%n new messages</source>
        <translation>
            <numerusform>%n 条新消息</numerusform>
        </translation>
    </message>
    <message>
        <source>Confab</source>
        <translation>Confab</translation>
    </message>
    <message numerus="yes">
        <source>%n new messages in %1 chats</source>
        <translation>
            <numerusform>%1 个聊天中有 %n 条新消息</numerusform>
        </translation>
    </message>
    <message>
        <source>📷 %1</source>
        <translation>📷 %1</translation>
    </message>
    <message>
        <source>📎 %1</source>
        <translation>📎 %1</translation>
    </message>
    <message numerus="yes">
        <source>%1 and %n more file(s)</source>
        <translation>
            <numerusform>%1 及另外 %n 个文件</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Confab::Error</name>
    <message>
        <source>The server ran into a problem. Please try again.</source>
        <translation>服务器出现问题，请重试。</translation>
    </message>
    <message>
        <source>The data sent could not be understood.</source>
        <translation>无法识别发送的数据。</translation>
    </message>
    <message>
        <source>The data sent was too large.</source>
        <translation>发送的数据过大。</translation>
    </message>
    <message>
        <source>An empty request was sent.</source>
        <translation>发送了一个空请求。</translation>
    </message>
    <message>
        <source>The server does not support this request. It may be older than this app.</source>
        <translation>服务器不支持此请求，它的版本可能比本应用旧。</translation>
    </message>
    <message>
        <source>The text contains invalid characters.</source>
        <translation>文本包含无效字符。</translation>
    </message>
    <message>
        <source>The message is too long.</source>
        <translation>消息过长。</translation>
    </message>
    <message>
        <source>A value is too long.</source>
        <translation>某个值过长。</translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation>某个值无效。</translation>
    </message>
    <message>
        <source>This app and the server speak different protocol versions. Please update.</source>
        <translation>本应用与服务器的协议版本不同，请更新。</translation>
    </message>
    <message>
        <source>The request was sent at the wrong time.</source>
        <translation>请求发送的时机不对。</translation>
    </message>
    <message>
        <source>Please sign in first.</source>
        <translation>请先登录。</translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>This account has been disabled.</source>
        <translation>此账号已被停用。</translation>
    </message>
    <message>
        <source>Your session is no longer valid. Please sign in again.</source>
        <translation>您的会话已失效，请重新登录。</translation>
    </message>
    <message>
        <source>Your session has expired. Please sign in again.</source>
        <translation>您的会话已过期，请重新登录。</translation>
    </message>
    <message>
        <source>This username is already taken.</source>
        <translation>此用户名已被占用。</translation>
    </message>
    <message>
        <source>It does not exist.</source>
        <translation>该对象不存在。</translation>
    </message>
    <message>
        <source>You are not allowed to do this.</source>
        <translation>您无权执行此操作。</translation>
    </message>
    <message>
        <source>Too many requests. Please slow down.</source>
        <translation>请求过于频繁，请稍后再试。</translation>
    </message>
    <message>
        <source>Too many failed sign-in attempts. Please wait a moment and try again.</source>
        <translation>登录失败次数过多，请稍等片刻再试。</translation>
    </message>
    <message>
        <source>The server is out of storage space.</source>
        <translation>服务器存储空间已满。</translation>
    </message>
    <message>
        <source>The server is unavailable right now. Please try again later.</source>
        <translation>服务器暂时不可用，请稍后再试。</translation>
    </message>
    <message>
        <source>The group is full.</source>
        <translation>群组已满。</translation>
    </message>
    <message>
        <source>Unknown error (code %1).</source>
        <translation>未知错误（代码 %1）。</translation>
    </message>
    <message>
        <source>The message was deleted.</source>
        <translation>该消息已被删除。</translation>
    </message>
    <message>
        <source>The file is too large for this server.</source>
        <translation>文件太大，此服务器无法接收。</translation>
    </message>
    <message>
        <source>The file changed or was damaged while it was sent. Please send it again.</source>
        <translation>文件在发送过程中被更改或损坏。请重新发送。</translation>
    </message>
    <message>
        <source>This message is archived and can no longer be changed.</source>
        <translation>此消息已归档，无法再更改。</translation>
    </message>
    <message>
        <source>Older history cannot be read from the server&apos;s archive right now.</source>
        <translation>目前无法从服务器的归档中读取较早的历史记录。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::AccountDialog</name>
    <message>
        <source>Today, %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <source>Account and Devices</source>
        <translation>账户和设备</translation>
    </message>
    <message>
        <source>Signed in as &lt;b&gt;%1&lt;/b&gt; on %2</source>
        <translation>已在 %2 上以 &lt;b&gt;%1&lt;/b&gt; 登录</translation>
    </message>
    <message>
        <source>Devices signed in to this account</source>
        <translation>登录此账户的设备</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Last active</source>
        <translation>最近活动</translation>
    </message>
    <message>
        <source>Sign Out Device</source>
        <translation>让设备退出登录</translation>
    </message>
    <message>
        <source>Its session ends at once; it must sign in again</source>
        <translation>它的会话立即结束，需要重新登录</translation>
    </message>
    <message>
        <source>Sign Out All Other Devices</source>
        <translation>让其他所有设备退出登录</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Change Password…</source>
        <translation>修改密码…</translation>
    </message>
    <message>
        <source>Changing it signs out every other device of this account.</source>
        <translation>修改密码会让此账户的其他所有设备退出登录。</translation>
    </message>
    <message>
        <source>Sign Out of This Device…</source>
        <translation>在此设备上退出登录…</translation>
    </message>
    <message>
        <source>Signing that device out…</source>
        <translation>正在让该设备退出登录…</translation>
    </message>
    <message>
        <source>Signing the other devices out…</source>
        <translation>正在让其他设备退出登录…</translation>
    </message>
    <message>
        <source>Password changed. Every other device was signed out.</source>
        <translation>密码已修改。其他所有设备均已退出登录。</translation>
    </message>
    <message>
        <source>Sign Out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Sign out of this device? Your chats stay here; messages not yet sent are sent when you sign in again.</source>
        <translation>要在此设备上退出登录吗？聊天记录会保留在这里；尚未发送的消息会在您重新登录后发送。</translation>
    </message>
    <message>
        <source>Signed out.</source>
        <translation>已退出登录。</translation>
    </message>
    <message>
        <source>Unknown device</source>
        <translation>未知设备</translation>
    </message>
    <message>
        <source>Confab %1</source>
        <translation>Confab %1</translation>
    </message>
    <message>
        <source>Online now</source>
        <translation>当前在线</translation>
    </message>
    <message>
        <source>Signed in %1; the session lasts until %2</source>
        <translation>%1 登录；会话有效期至 %2</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>This device</source>
        <translation>此设备</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::CertificatePrompt</name>
    <message>
        <source>Certificate Changed</source>
        <translation>证书已更改</translation>
    </message>
    <message>
        <source>Check the Server&apos;s Certificate</source>
        <translation>核对服务器的证书</translation>
    </message>
    <message>
        <source>The certificate of %1 has changed</source>
        <translation>%1 的证书已更改</translation>
    </message>
    <message>
        <source>This server now presents a different certificate from the one you trusted. That happens when its administrator replaces the certificate, but it can also mean that someone is intercepting the connection. Confab has not connected.

Trust the new certificate only if its administrator confirms this fingerprint.</source>
        <translation>此服务器现在出示的证书与您之前信任的不同。管理员更换证书时会出现这种情况，但也可能意味着有人正在截取连接。Confab 没有连接。

只有在服务器管理员确认此指纹后，才信任新证书。</translation>
    </message>
    <message>
        <source>Is this the certificate of %1?</source>
        <translation>这是 %1 的证书吗？</translation>
    </message>
    <message>
        <source>This computer cannot verify the server&apos;s certificate, which is usual for a server on a home or office network. Compare its fingerprint with the one the server&apos;s administrator gives you (confabd prints it when it starts). If they match, trust it: Confab will then accept this certificate from this server, and no other.</source>
        <translation>这台电脑无法验证服务器的证书，家庭或办公室网络中的服务器通常如此。请将其指纹与服务器管理员提供的指纹核对（confabd 启动时会打印）。如果一致，就信任它：此后 Confab 只接受此服务器的这份证书。</translation>
    </message>
    <message>
        <source>Trusted before:</source>
        <translation>之前信任的：</translation>
    </message>
    <message>
        <source>Presented now:</source>
        <translation>现在出示的：</translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation>SHA-256 指纹：</translation>
    </message>
    <message>
        <source>Issued to:</source>
        <translation>颁发给：</translation>
    </message>
    <message>
        <source>Issued by:</source>
        <translation>颁发者：</translation>
    </message>
    <message>
        <source>Valid until:</source>
        <translation>有效期至：</translation>
    </message>
    <message>
        <source>Problems:</source>
        <translation>问题：</translation>
    </message>
    <message>
        <source>Trust the New Certificate</source>
        <translation>信任新证书</translation>
    </message>
    <message>
        <source>Trust and Connect</source>
        <translation>信任并连接</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::ChangePasswordDialog</name>
    <message>
        <source>Change Password</source>
        <translation>修改密码</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>&amp;Current password:</source>
        <translation>当前密码(&amp;C)：</translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation>新密码(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Repeat it:</source>
        <translation>再输一次(&amp;R)：</translation>
    </message>
    <message>
        <source>Enter your current password.</source>
        <translation>请输入当前密码。</translation>
    </message>
    <message numerus="yes">
        <source>The new password needs at least %n characters.</source>
        <translation>
            <numerusform>新密码至少需要 %n 个字符。</numerusform>
        </translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::Composer</name>
    <message>
        <source>Write a message…</source>
        <translation>输入消息…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::CreateGroupDialog</name>
    <message>
        <source>New group</source>
        <translation>新建群组</translation>
    </message>
    <message>
        <source>e.g. Family, Project Apollo</source>
        <translation>例如：家人、阿波罗项目</translation>
    </message>
    <message>
        <source>Group name:</source>
        <translation>群组名称：</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Creating the group…</source>
        <translation>正在创建群组…</translation>
    </message>
    <message>
        <source>Search people you have chatted with</source>
        <translation>搜索聊过天的人</translation>
    </message>
    <message>
        <source>People</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Others, by username, separated by commas</source>
        <translation>其他人：输入用户名，用逗号分隔</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::GroupInfoDialog</name>
    <message>
        <source>Group info</source>
        <translation>群组信息</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>群组名称</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Remove from group</source>
        <translation>移出群组</translation>
    </message>
    <message>
        <source>Add people by username</source>
        <translation>按用户名添加成员</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation>退出群组</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation>正在添加…</translation>
    </message>
    <message>
        <source>Removing…</source>
        <translation>正在移除…</translation>
    </message>
    <message>
        <source>Leave “%1”? You keep what was said so far, and get nothing new.</source>
        <translation>退出“%1”？您会保留此前的聊天记录，但不会再收到新消息。</translation>
    </message>
    <message>
        <source> (you)</source>
        <translation>（您）</translation>
    </message>
    <message>
        <source>owner</source>
        <translation>群主</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
    <message numerus="yes">
        <source>%1 — %n member(s)</source>
        <translation>
            <numerusform>%1 — %n 位成员</numerusform>
        </translation>
    </message>
    <message>
        <source>Make member</source>
        <translation>设为普通成员</translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation>设为管理员</translation>
    </message>
    <message>
        <source>You are no longer a member of this group.</source>
        <translation>您已不是此群组的成员。</translation>
    </message>
    <message>
        <source>Disappearing messages…</source>
        <translation>消息自动消失…</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::ImageViewer</name>
    <message>
        <source>Actual Size</source>
        <translation>实际大小</translation>
    </message>
    <message>
        <source>Open With System Viewer</source>
        <translation>用系统查看器打开</translation>
    </message>
    <message>
        <source>This image cannot be shown.</source>
        <translation>无法显示此图片。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::LoginDialog</name>
    <message>
        <source>Sign in to Confab</source>
        <translation>登录 Confab</translation>
    </message>
    <message>
        <source>Welcome to Confab</source>
        <translation>欢迎使用 Confab</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>创建账号</translation>
    </message>
    <message>
        <source>Cannot reach the server. %1</source>
        <translation>无法连接服务器。%1</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address, for example 127.0.0.1:7700.</source>
        <translation>请输入服务器地址，例如 127.0.0.1:7700。</translation>
    </message>
    <message>
        <source>Enter a username and a password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Start a server on this computer</source>
        <translation>在这台电脑上启动服务器</translation>
    </message>
    <message>
        <source>Allow other computers to join</source>
        <translation>允许其他电脑加入</translation>
    </message>
    <message>
        <source>Keep it running after Confab quits</source>
        <translation>退出 Confab 后保持运行</translation>
    </message>
    <message>
        <source>The server runs on this computer (port %1). Now create your account.</source>
        <translation>服务器正在这台电脑上运行（端口 %1）。现在请创建您的账号。</translation>
    </message>
    <message>
        <source>The server runs on this computer. Others can join at %1. Now create your account.</source>
        <translation>服务器正在这台电脑上运行。其他人可通过 %1 加入。现在请创建您的账号。</translation>
    </message>
    <message>
        <source>Server running</source>
        <translation>服务器运行中</translation>
    </message>
    <message>
        <source>Starting the server…</source>
        <translation>正在启动服务器…</translation>
    </message>
    <message>
        <source>This server does not take new accounts. Ask its administrator for one, then sign in.</source>
        <translation>此服务器不接受新账户注册。请向其管理员申请账户，然后登录。</translation>
    </message>
    <message>
        <source>host:port, or wss://host:port for TLS</source>
        <translation>主机:端口，TLS 用 wss://主机:端口</translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate was not trusted.</source>
        <translation>未连接：服务器的证书未被信任。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::MainWindow</name>
    <message>
        <source>Confab</source>
        <translation>Confab</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新聊天</translation>
    </message>
    <message>
        <source>Start a conversation (Ctrl+N)</source>
        <translation>开始新对话 (Ctrl+N)</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Select a chat, or start a new one with Ctrl+N.</source>
        <translation>选择一个聊天，或按 Ctrl+N 开始新聊天。</translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation>立即重试</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>消息列表</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Next chat</source>
        <translation>下一个聊天</translation>
    </message>
    <message>
        <source>Previous chat</source>
        <translation>上一个聊天</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Username of the person to write to:</source>
        <translation>对方的用户名：</translation>
    </message>
    <message>
        <source>Message not saved</source>
        <translation>消息未保存</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message numerus="yes">
        <source>Offline — reconnecting in %n s…</source>
        <translation>
            <numerusform>离线 — %n 秒后重新连接…</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline — reconnecting…</source>
        <translation>离线 — 正在重新连接…</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Notify me about</source>
        <translation>通知我</translation>
    </message>
    <message>
        <source>All messages</source>
        <translation>所有消息</translation>
    </message>
    <message>
        <source>Mentions only</source>
        <translation>仅提及我时</translation>
    </message>
    <message>
        <source>Nothing (mute)</source>
        <translation>不通知（静音）</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>搜索消息</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Settings (Ctrl+,)</source>
        <translation>设置 (Ctrl+,)</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Group info</source>
        <translation>群组信息</translation>
    </message>
    <message>
        <source>New group</source>
        <translation>新建群组</translation>
    </message>
    <message>
        <source>You are no longer a member of this group.</source>
        <translation>您已不是此群组的成员。</translation>
    </message>
    <message>
        <source>Someone</source>
        <translation>某人</translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation>%1 正在输入…</translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation>%1 和 %2 正在输入…</translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n 人正在输入…</numerusform>
        </translation>
    </message>
    <message>
        <source>You left this group</source>
        <translation>您已退出此群组</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n 位成员</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 · online</source>
        <translation>%1 · 在线</translation>
    </message>
    <message>
        <source>%1 · away</source>
        <translation>%1 · 离开</translation>
    </message>
    <message>
        <source>%1 · last seen %2</source>
        <translation>%1 · 最后上线 %2</translation>
    </message>
    <message>
        <source>Find in this chat</source>
        <translation>在此聊天中查找</translation>
    </message>
    <message>
        <source>Older</source>
        <translation>更早</translation>
    </message>
    <message>
        <source>Newer</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Older match (Enter)</source>
        <translation>更早的结果 (Enter)</translation>
    </message>
    <message>
        <source>Newer match (Shift+Enter)</source>
        <translation>更新的结果 (Shift+Enter)</translation>
    </message>
    <message>
        <source>No matches</source>
        <translation>没有结果</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <extracomment>&quot;3 of 12&quot;: the match shown, of all matches in this chat</extracomment>
        <translation>第 %1 个，共 %2 个</translation>
    </message>
    <message>
        <source>Change language</source>
        <translation>更改语言</translation>
    </message>
    <message>
        <source>Confab shows the new language after a restart.</source>
        <translation>Confab 重新启动后将显示新的语言。</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate has changed</source>
        <translation>未连接：服务器的证书已更改</translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate is not trusted</source>
        <translation>未连接：服务器的证书未受信任</translation>
    </message>
    <message>
        <source>Check Certificate…</source>
        <translation>核对证书…</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%2 上的 %1</translation>
    </message>
    <message>
        <source>Cannot Connect</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>This server speaks another version of Confab&apos;s protocol. Update Confab, or ask the server&apos;s administrator.</source>
        <translation>此服务器使用另一版本的 Confab 协议。请更新 Confab，或联系服务器管理员。</translation>
    </message>
    <message>
        <source>Signed Out</source>
        <translation>已退出登录</translation>
    </message>
    <message>
        <source>This account has been disabled by the server&apos;s administrator.</source>
        <translation>此账户已被服务器管理员停用。</translation>
    </message>
    <message>
        <source>This device was signed out: from another device, by a password change, or because the session expired. Sign in again to go on.</source>
        <translation>此设备已退出登录：可能是在其他设备上操作、修改了密码，或会话已过期。请重新登录以继续。</translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
    <message>
        <source>Cancel reply or edit</source>
        <translation>取消回复或编辑</translation>
    </message>
    <message>
        <source>The change could not be made: %1</source>
        <translation>无法完成更改：%1</translation>
    </message>
    <message>
        <source>Message not changed</source>
        <translation>消息未更改</translation>
    </message>
    <message>
        <source>yourself</source>
        <translation>自己</translation>
    </message>
    <message>
        <source>Replying to %1: %2</source>
        <translation>回复 %1：%2</translation>
    </message>
    <message>
        <source>Editing your message. Press Enter to save, Esc to cancel.</source>
        <translation>正在编辑你的消息。按 Enter 保存，按 Esc 取消。</translation>
    </message>
    <message>
        <source>Delete for everyone?</source>
        <translation>为所有人删除？</translation>
    </message>
    <message>
        <source>This message will be deleted for everyone in the chat, on every device. This cannot be undone.</source>
        <translation>这条消息将在所有设备上为聊天中的所有人删除。此操作无法撤销。</translation>
    </message>
    <message>
        <source>Message not deleted</source>
        <translation>消息未删除</translation>
    </message>
    <message>
        <source>The original message is not on this device yet. Scroll up to load older messages.</source>
        <translation>原消息尚未同步到此设备。向上滚动以加载更早的消息。</translation>
    </message>
    <message>
        <source>React</source>
        <translation>回应</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Copy Text</source>
        <translation>复制文本</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Delete for Everyone…</source>
        <translation>为所有人删除…</translation>
    </message>
    <message>
        <source>Attach files (or drop them on the chat, or paste an image)</source>
        <translation>附加文件（也可以拖放到聊天中，或粘贴图片）</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>Attach Files</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>%1 could not be downloaded: %2</source>
        <translation>%1 下载失败：%2</translation>
    </message>
    <message>
        <source>A file</source>
        <translation>一个文件</translation>
    </message>
    <message>
        <source>Save “%1” As…</source>
        <translation>将“%1”另存为…</translation>
    </message>
    <message>
        <source>Cancel Sending</source>
        <translation>取消发送</translation>
    </message>
    <message numerus="yes">
        <source>At most %n files can go with one message.</source>
        <translation>
            <numerusform>一条消息最多只能附带 %n 个文件。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 cannot be read or is empty.</source>
        <translation>%1 无法读取或是空文件。</translation>
    </message>
    <message>
        <source>%1 is larger than this server takes (%2).</source>
        <translation>%1 超过了此服务器允许的大小（%2）。</translation>
    </message>
    <message>
        <source>The pasted image could not be saved: is the disk full?</source>
        <translation>无法保存粘贴的图片：磁盘是否已满？</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>移除 %1</translation>
    </message>
    <message>
        <source>Save File</source>
        <translation>保存文件</translation>
    </message>
    <message>
        <source>%1 could not be saved.</source>
        <translation>无法保存 %1。</translation>
    </message>
    <message>
        <source>Open “%1”?</source>
        <translation>打开“%1”？</translation>
    </message>
    <message>
        <source>“%1” is a kind of file that can run programs or change this computer. Open it only if you trust the person who sent it and expected this file.</source>
        <translation>“%1”这类文件可以运行程序或更改这台电脑。只有在您信任发送者并且确实在等这个文件时才打开它。</translation>
    </message>
    <message>
        <source>Show in Folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Open Anyway</source>
        <translation>仍然打开</translation>
    </message>
    <message>
        <source>Nothing (muted until %1)</source>
        <translation>不通知（静音至 %1）</translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation>1 小时</translation>
    </message>
    <message>
        <source>For 8 hours</source>
        <translation>8 小时</translation>
    </message>
    <message>
        <source>For a week</source>
        <translation>一周</translation>
    </message>
    <message>
        <source>Until I turn it back on</source>
        <translation>直到我重新开启</translation>
    </message>
    <message>
        <source>More for this chat</source>
        <translation>此聊天的更多操作</translation>
    </message>
    <message>
        <source>Chat menu</source>
        <translation>聊天菜单</translation>
    </message>
    <message>
        <source>Disappearing messages…</source>
        <translation>消息自动消失…</translation>
    </message>
    <message>
        <source>Delete this chat&apos;s messages for everyone after a while</source>
        <translation>一段时间后为所有人删除此聊天的消息</translation>
    </message>
    <message>
        <source>Group info…</source>
        <translation>群组信息…</translation>
    </message>
    <message>
        <source>Messages disappear after %1</source>
        <translation>消息将在 %1 后消失</translation>
    </message>
    <message>
        <source>Messages in this chat are deleted for everyone after %1. Click to change.</source>
        <translation>此聊天的消息将在 %1 后为所有人删除。点击可更改。</translation>
    </message>
    <message>
        <source>Messages in this chat are deleted for everyone after %1.</source>
        <translation>此聊天的消息将在 %1 后为所有人删除。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::MessageDelegate</name>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Not read yet</source>
        <translation>尚未阅读</translation>
    </message>
    <message numerus="yes">
        <source>Read by %n: %1</source>
        <translation>
            <numerusform>%n 人已读：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>edited %1</source>
        <translation>已编辑 %1</translation>
    </message>
    <message>
        <source>This message was deleted</source>
        <translation>此消息已被删除</translation>
    </message>
    <message>
        <source>%1 reacted with %2</source>
        <translation>%1 回应了 %2</translation>
    </message>
    <message>
        <source>↑ %1%</source>
        <translation>↑ %1%</translation>
    </message>
    <message>
        <source>↓ %1%</source>
        <translation>↓ %1%</translation>
    </message>
    <message>
        <source>↓ %1</source>
        <translation>↓ %1</translation>
    </message>
    <message>
        <source>Uploading %1 of %2</source>
        <translation>正在上传 %1 / %2</translation>
    </message>
    <message>
        <source>Downloading %1 of %2 · click to cancel</source>
        <translation>正在下载 %1 / %2 · 点击取消</translation>
    </message>
    <message>
        <source>%1 · waiting to upload</source>
        <translation>%1 · 等待上传</translation>
    </message>
    <message>
        <source>%1 · click to open</source>
        <translation>%1 · 点击打开</translation>
    </message>
    <message>
        <source>%1 · click to download</source>
        <translation>%1 · 点击下载</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::RetentionDialog</name>
    <message>
        <source>Disappearing messages</source>
        <translation>消息自动消失</translation>
    </message>
    <message>
        <source>When this is on, messages in this chat are deleted for everyone, on every device, once they are older than the time chosen here.</source>
        <translation>开启后，此聊天中超过所选时间的消息将在所有设备上为所有人删除。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>This server allows %1 at the shortest.</source>
        <translation>此服务器允许的最短时间为 %1。</translation>
    </message>
    <message>
        <source>This server keeps messages for %1 at most.</source>
        <translation>此服务器最多保留消息 %1。</translation>
    </message>
    <message>
        <source>This server deletes every message after %1, whatever is chosen here.</source>
        <translation>无论这里如何选择，此服务器都会在 %1 后删除所有消息。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::SearchDialog</name>
    <message>
        <source>Search messages</source>
        <translation>搜索消息</translation>
    </message>
    <message>
        <source>Search in every chat…</source>
        <translation>在所有聊天中搜索…</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>Show notifications for new messages</source>
        <translation>新消息时显示通知</translation>
    </message>
    <message>
        <source>Show message text in notifications</source>
        <translation>在通知中显示消息内容</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>勿扰模式</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Start minimised to the tray</source>
        <translation>启动时最小化到托盘</translation>
    </message>
    <message>
        <source>Presence</source>
        <translation>在线状态</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>Show me as &amp;away after:</source>
        <translation>在此时间后显示为离开(&amp;A)：</translation>
    </message>
    <message>
        <source>Play a sound</source>
        <translation>播放提示音</translation>
    </message>
    <message>
        <source>Start-up</source>
        <translation>启动</translation>
    </message>
    <message>
        <source>Open Confab when I log in to this computer</source>
        <translation>登录此电脑时打开 Confab</translation>
    </message>
    <message>
        <source>Server on this computer</source>
        <translation>本机服务器</translation>
    </message>
    <message>
        <source>Keep it running after Confab quits</source>
        <translation>退出 Confab 后保持运行</translation>
    </message>
    <message>
        <source>Start it when I log in to this computer</source>
        <translation>登录此电脑时启动服务器</translation>
    </message>
    <message>
        <source>Port %1; other computers can join.</source>
        <translation>端口 %1；其他电脑可以加入。</translation>
    </message>
    <message>
        <source>Port %1; only this computer can join.</source>
        <translation>端口 %1；仅本机可以加入。</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>Account and Devices…</source>
        <translation>账户和设备…</translation>
    </message>
    <message>
        <source>See the devices signed in, sign them out, change the password</source>
        <translation>查看已登录的设备、让它们退出登录、修改密码</translation>
    </message>
    <message>
        <source>Quiet hours every day, from</source>
        <translation>每天的免打扰时段，从</translation>
    </message>
    <message>
        <source>Quiet hours start</source>
        <translation>免打扰时段开始</translation>
    </message>
    <message>
        <source>Quiet hours end</source>
        <translation>免打扰时段结束</translation>
    </message>
    <message>
        <source>to</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Message text, do not disturb and quiet hours are the same on all your devices.</source>
        <translation>消息文本、勿扰模式和免打扰时段在您的所有设备上保持一致。</translation>
    </message>
    <message>
        <source>Email me about unread messages while I am away:</source>
        <translation>我不在时，用电子邮件告诉我未读消息：</translation>
    </message>
    <message>
        <source>you@example.org</source>
        <translation>you@example.org</translation>
    </message>
    <message>
        <source>Email address for digests</source>
        <translation>接收摘要的电子邮件地址</translation>
    </message>
    <message>
        <source>Message text, do not disturb, quiet hours and email are the same on all your devices.</source>
        <translation>消息文本、勿扰模式、免打扰时段和电子邮件在您的所有设备上保持一致。</translation>
    </message>
    <message>
        <source>Enter an email address like you@example.org, or turn the email off.</source>
        <translation>请输入电子邮件地址（例如 you@example.org），或关闭电子邮件。</translation>
    </message>
</context>
<context>
    <name>Confab::Ui::TrayController</name>
    <message>
        <source>Show Confab</source>
        <translation>显示 Confab</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>勿扰模式</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>New message</source>
        <translation>新消息</translation>
    </message>
    <message numerus="yes">
        <source>Confab — %n unread</source>
        <translation>
            <numerusform>Confab — %n 条未读</numerusform>
        </translation>
    </message>
    <message>
        <source>Confab</source>
        <translation>Confab</translation>
    </message>
    <message>
        <source>Confab is still running</source>
        <translation>Confab 仍在运行</translation>
    </message>
    <message>
        <source>New messages will show up here. Quit from this icon&apos;s menu.</source>
        <translation>新消息会显示在这里。可从此图标的菜单退出。</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Confab</source>
        <translation>Confab</translation>
    </message>
</context>
</TS>
