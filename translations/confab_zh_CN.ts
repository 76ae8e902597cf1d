<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
</context>
</TS>
