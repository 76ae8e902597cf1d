#pragma once

// CONFAB_EPOLL_TEST_MAIN(TestClass): QTEST_GUILESS_MAIN, but on the event dispatcher confabd
// runs on (epoll, on Linux), so the server's tests prove the server as it runs.
#include <QCoreApplication>
#include <QTest>

#ifdef Q_OS_LINUX
#include <confab/epolldispatcher.h>
#define CONFAB_INSTALL_SERVER_DISPATCHER()                                                         \
    do {                                                                                           \
        if (Confab::EpollEventDispatcher::wanted())                                                \
            QCoreApplication::setEventDispatcher(new Confab::EpollEventDispatcher);                \
    } while (false)
#else
#define CONFAB_INSTALL_SERVER_DISPATCHER()                                                         \
    do {                                                                                           \
    } while (false)
#endif

#define CONFAB_EPOLL_TEST_MAIN(TestObject)                                                         \
    int main(int argc, char *argv[])                                                               \
    {                                                                                              \
        CONFAB_INSTALL_SERVER_DISPATCHER();                                                        \
        QCoreApplication app(argc, argv);                                                          \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
