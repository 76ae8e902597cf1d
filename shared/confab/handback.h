#pragma once

#include "tsan.h"

#include <QCoreApplication>
#include <QEvent>

#include <functional>

namespace Confab {

//! Work handed to another thread's object as a posted event, with explicit happens-before edges
//! for ThreadSanitizer (tsan.h): the edge a posted event gets from Qt's futex is invisible to it,
//! and the wake-up it might see instead is shared by every event posted before the loop runs.
//! The receiver's customEvent() passes every event to HandBack::dispatch().
class HandBack final : public QEvent
{
public:
    //! Runs `work` on `receiver`'s thread, soon. Any thread.
    static void post(QObject *receiver, std::function<void()> work)
    {
        auto *event = new HandBack(std::move(work));
        CONFAB_TSAN_RELEASE(event); // all of it is written: what the taking thread reads
        QCoreApplication::postEvent(receiver, event);
    }
    //! Runs the work if `event` is a HandBack; returns whether it was one.
    static bool dispatch(QEvent *event)
    {
        if (event->type() != type())
            return false;
        auto *handBack = static_cast<HandBack *>(event);
        CONFAB_TSAN_ACQUIRE(handBack);
        handBack->m_work();
        return true;
    }
    ~HandBack() override { CONFAB_TSAN_ACQUIRE(this); } // also when dropped unrun, at the end

private:
    explicit HandBack(std::function<void()> work) : QEvent(type()), m_work(std::move(work)) { }
    static QEvent::Type type()
    {
        static const auto registered = QEvent::Type(QEvent::registerEventType());
        return registered;
    }
    std::function<void()> m_work;
};

} // namespace Confab
