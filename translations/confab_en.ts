<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Autostart</name>
    <message>
        <source>That program cannot be started at login.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Windows did not accept the login item.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot remove %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Client::ChatClient</name>
    <message>
        <source>Connecting to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnected: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Syncing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The local cache cannot be opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are offline. Try again when Confab is connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection was lost before the server answered. Check the group, then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate has changed since you trusted it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate is not trusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection was lost before the server answered. Try again once online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected to the server. Try again once online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server is too old to manage sessions and passwords from here. Ask its administrator to update it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The current password is wrong.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is too old to edit, delete or react to messages.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message cannot be changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An edited message cannot be empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only your own messages can be edited.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file %1 cannot be read any more, or it changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file %1 cannot be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: is the disk full?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At most %1 files can go with one message.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is larger than this server takes (%2 MB).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server sent a wrong part of %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server is too old for disappearing messages. Ask its administrator to update it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not signed in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server is too old for disappearing messages.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The chat starts with its first message.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are no longer a member of this chat.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only the group&apos;s owner and admins can change this.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Client::ConversationListModel</name>
    <message>
        <source>This message was deleted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>📎 %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Client::LocalServer</name>
    <message>
        <source>The Confab server (confabd) is not installed next to this app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server could not be started: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server stopped at once (exit code %1). %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confab server on this computer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Client::MessageListModel</name>
    <message>
        <source>Someone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 created the group “%2”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 renamed the group to “%2”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 added %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 removed %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 left; %2 is now the owner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 made %2 the owner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 made %2 an admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 made %2 a member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An earlier message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: (deleted message)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 set messages to disappear after %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 turned off disappearing messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n year</numerusform>
            <numerusform>%n years</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n week(s)</source>
        <translation>
            <numerusform>%n week</numerusform>
            <numerusform>%n weeks</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Confab::Client::NotificationPolicy</name>
    <message>
        <source>New message</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n new messages</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n new messages in %1 chats</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>📷 %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>📎 %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 and %n more file(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Confab::Error</name>
    <message>
        <source>The server ran into a problem. Please try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data sent could not be understood.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The data sent was too large.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An empty request was sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server does not support this request. It may be older than this app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The text contains invalid characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message is too long.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A value is too long.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This app and the server speak different protocol versions. Please update.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request was sent at the wrong time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please sign in first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong username or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account has been disabled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session is no longer valid. Please sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has expired. Please sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This username is already taken.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not allowed to do this.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many requests. Please slow down.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-in attempts. Please wait a moment and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is out of storage space.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is unavailable right now. Please try again later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The group is full.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown error (code %1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The message was deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file is too large for this server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file changed or was damaged while it was sent. Please send it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message is archived and can no longer be changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Older history cannot be read from the server&apos;s archive right now.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::AccountDialog</name>
    <message>
        <source>Today, %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account and Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as &lt;b&gt;%1&lt;/b&gt; on %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Devices signed in to this account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign Out Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its session ends at once; it must sign in again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign Out All Other Devices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change Password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Changing it signs out every other device of this account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign Out of This Device…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing that device out…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing the other devices out…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password changed. Every other device was signed out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out of this device? Your chats stay here; messages not yet sent are sent when you sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confab %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in %1; the session lasts until %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This device</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::CertificatePrompt</name>
    <message>
        <source>Certificate Changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the Server&apos;s Certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The certificate of %1 has changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server now presents a different certificate from the one you trusted. That happens when its administrator replaces the certificate, but it can also mean that someone is intercepting the connection. Confab has not connected.

Trust the new certificate only if its administrator confirms this fingerprint.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Is this the certificate of %1?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer cannot verify the server&apos;s certificate, which is usual for a server on a home or office network. Compare its fingerprint with the one the server&apos;s administrator gives you (confabd prints it when it starts). If they match, trust it: Confab will then accept this certificate from this server, and no other.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trusted before:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presented now:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 fingerprint:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Valid until:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problems:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trust the New Certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Trust and Connect</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::ChangePasswordDialog</name>
    <message>
        <source>Change Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Current password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repeat it:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your current password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>The new password needs at least %n characters.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The two new passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::Composer</name>
    <message>
        <source>Write a message…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::CreateGroupDialog</name>
    <message>
        <source>New group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Family, Project Apollo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the group…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search people you have chatted with</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>People</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Others, by username, separated by commas</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::GroupInfoDialog</name>
    <message>
        <source>Group info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rename</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove from group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add people by username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adding…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave “%1”? You keep what was said so far, and get nothing new.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (you)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>owner</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 — %n member(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Make member</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make admin</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are no longer a member of this group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disappearing messages…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::ImageViewer</name>
    <message>
        <source>Actual Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open With System Viewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This image cannot be shown.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::LoginDialog</name>
    <message>
        <source>Sign in to Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Welcome to Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the server. %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the server&apos;s address, for example 127.0.0.1:7700.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a username and a password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start a server on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow other computers to join</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep it running after Confab quits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server runs on this computer (port %1). Now create your account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server runs on this computer. Others can join at %1. Now create your account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the server…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server does not take new accounts. Ask its administrator for one, then sign in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host:port, or wss://host:port for TLS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate was not trusted.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::MainWindow</name>
    <message>
        <source>Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start a conversation (Ctrl+N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a chat, or start a new one with Ctrl+N.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username of the person to write to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message not saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Offline — reconnecting in %n s…</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Offline — reconnecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notify me about</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mentions only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing (mute)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings (Ctrl+,)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are no longer a member of this group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Someone</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is typing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 and %2 are typing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n people are typing…</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>You left this group</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1 · online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · away</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · last seen %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find in this chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Older</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Newer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Older match (Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Newer match (Shift+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No matches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <extracomment>&quot;3 of 12&quot;: the match shown, of all matches in this chat</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confab shows the new language after a restart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Later</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate has changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: the server&apos;s certificate is not trusted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check Certificate…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server speaks another version of Confab&apos;s protocol. Update Confab, or ask the server&apos;s administrator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account has been disabled by the server&apos;s administrator.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This device was signed out: from another device, by a password change, or because the session expired. Sign in again to go on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel reply or edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The change could not be made: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message not changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yourself</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Replying to %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Editing your message. Press Enter to save, Esc to cancel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete for everyone?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message will be deleted for everyone in the chat, on every device. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message not deleted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The original message is not on this device yet. Scroll up to load older messages.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>React</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy Text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete for Everyone…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach files (or drop them on the chat, or paste an image)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attach Files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be downloaded: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save “%1” As…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel Sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>At most %n files can go with one message.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1 cannot be read or is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 is larger than this server takes (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The pasted image could not be saved: is the disk full?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open “%1”?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>“%1” is a kind of file that can run programs or change this computer. Open it only if you trust the person who sent it and expected this file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show in Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing (muted until %1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For 8 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For a week</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Until I turn it back on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>More for this chat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat menu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disappearing messages…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete this chat&apos;s messages for everyone after a while</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group info…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages disappear after %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages in this chat are deleted for everyone after %1. Click to change.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages in this chat are deleted for everyone after %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::MessageDelegate</name>
    <message>
        <source>Today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not read yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Read by %n: %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>edited %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message was deleted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 reacted with %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>↑ %1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>↓ %1%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>↓ %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uploading %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Downloading %1 of %2 · click to cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · waiting to upload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · click to open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · click to download</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::RetentionDialog</name>
    <message>
        <source>Disappearing messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When this is on, messages in this chat are deleted for everyone, on every device, once they are older than the time chosen here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server allows %1 at the shortest.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server keeps messages for %1 at most.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This server deletes every message after %1, whatever is chosen here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::SearchDialog</name>
    <message>
        <source>Search messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search in every chat…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show notifications for new messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show message text in notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System language</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start minimised to the tray</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Presence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show me as &amp;away after:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Play a sound</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start-up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Confab when I log in to this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep it running after Confab quits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start it when I log in to this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port %1; other computers can join.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port %1; only this computer can join.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account and Devices…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>See the devices signed in, sign them out, change the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quiet hours every day, from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quiet hours start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quiet hours end</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message text, do not disturb and quiet hours are the same on all your devices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email me about unread messages while I am away:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you@example.org</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email address for digests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message text, do not disturb, quiet hours and email are the same on all your devices.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter an email address like you@example.org, or turn the email off.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confab::Ui::TrayController</name>
    <message>
        <source>Show Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New message</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Confab — %n unread</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Confab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confab is still running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New messages will show up here. Quit from this icon&apos;s menu.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>Confab</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
