#include "logging.h"

namespace Confab {
Q_LOGGING_CATEGORY(lcNet, "confab.net", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProto, "confab.proto", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAuth, "confab.auth", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRoute, "confab.route", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "confab.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "confab.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcClientSync, "confab.client.sync", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "confab.ui", QtInfoMsg)
} // namespace Confab
