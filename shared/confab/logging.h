#pragma once

#include <QLoggingCategory>

// Every logging category of Confab, in one place (STYLE.md §5). Enable with QT_LOGGING_RULES,
// e.g. QT_LOGGING_RULES="confab.store.debug=true". A new category needs a reason.
namespace Confab {
Q_DECLARE_LOGGING_CATEGORY(lcNet) // confab.net: listening, connections, frames
Q_DECLARE_LOGGING_CATEGORY(lcProto) // confab.proto: codec, protocol violations
Q_DECLARE_LOGGING_CATEGORY(lcAuth) // confab.auth: register, login, tokens
Q_DECLARE_LOGGING_CATEGORY(lcRoute) // confab.route: delivery and fan-out
Q_DECLARE_LOGGING_CATEGORY(lcStore) // confab.store: SQL, migrations, commits
Q_DECLARE_LOGGING_CATEGORY(lcCluster) // confab.cluster: Redis, other nodes, node ids
Q_DECLARE_LOGGING_CATEGORY(lcClientSync) // confab.client.sync: client connection, outbox, sync
Q_DECLARE_LOGGING_CATEGORY(lcUi) // confab.ui: the desktop client's widgets
} // namespace Confab
