#pragma once

// Happens-before edges for ThreadSanitizer where the synchronisation is inside Qt, which Debian
// does not build with TSan (its QMutex is a futex TSan cannot see). Without them every object
// handed to another thread through a posted event or a thread pool looks like a data race.
// No-ops in every other build.
//
//   CONFAB_TSAN_RELEASE(key)   before the hand-over, on the giving thread
//   CONFAB_TSAN_ACQUIRE(key)   before the taking thread reads what was handed over

#if defined(__SANITIZE_THREAD__)
#define CONFAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONFAB_TSAN 1
#endif
#endif

#ifdef CONFAB_TSAN
extern "C" void __tsan_acquire(void *addr); // NOLINT(bugprone-reserved-identifier)
extern "C" void __tsan_release(void *addr); // NOLINT(bugprone-reserved-identifier)
#define CONFAB_TSAN_RELEASE(key) __tsan_release(const_cast<void *>(static_cast<const void *>(key)))
#define CONFAB_TSAN_ACQUIRE(key) __tsan_acquire(const_cast<void *>(static_cast<const void *>(key)))
#else
#define CONFAB_TSAN_RELEASE(key) static_cast<void>(key)
#define CONFAB_TSAN_ACQUIRE(key) static_cast<void>(key)
#endif
