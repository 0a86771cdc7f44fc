// ThreadSanitizer builds only (MODALIS_TSAN): makes our absl::Mutex locking visible to TSan.
//
// Debian's Abseil is not built with -fsanitize=thread, so absl::Mutex's lock word is changed by
// code TSan never sees: every member guarded by an absl::Mutex would be reported as a race. The
// build links with -Wl,--wrap for the functions below (cmake/ProjectOptions.cmake), so our calls
// reach these wrappers, which call Abseil's own function and tell TSan what it did, the way TSan's
// interceptors do for pthread mutexes. Abseil's and gRPC's internal calls are not wrapped; their
// memory accesses are not instrumented either.
//
// Mutex::Await, LockWhen and Condition are deliberately not supported: Abseil evaluates a waiter's
// condition on the thread that unlocks, after that thread has (for TSan) released the mutex, which
// no annotation order describes. Our code waits with absl::CondVar instead.
#include <sanitizer/tsan_interface.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

// "_ZN4absl7debian3" and the like: the mangled prefix of Abseil's inline namespace, from CMake.
#define MODALIS_ABSL(rest) "_ZN" MODALIS_ABSL_MANGLED_NS rest
#define MODALIS_WRAPPED(rest) __asm__("__wrap_" MODALIS_ABSL(rest))
#define MODALIS_REAL(rest) __asm__("__real_" MODALIS_ABSL(rest))

using absl::CondVar;
using absl::Mutex;
using absl::Time;

// Abseil's own functions (--wrap names them __real_...).
void RealLock(Mutex*) MODALIS_REAL("5Mutex4LockEv");
void RealUnlock(Mutex*) MODALIS_REAL("5Mutex6UnlockEv");
bool RealTryLock(Mutex*) MODALIS_REAL("5Mutex7TryLockEv");
void RealReaderLock(Mutex*) MODALIS_REAL("5Mutex10ReaderLockEv");
void RealReaderUnlock(Mutex*) MODALIS_REAL("5Mutex12ReaderUnlockEv");
bool RealReaderTryLock(Mutex*) MODALIS_REAL("5Mutex13ReaderTryLockEv");
void RealDestroy(Mutex*) MODALIS_REAL("5MutexD1Ev");
void RealDestroyBase(Mutex*) MODALIS_REAL("5MutexD2Ev");
void RealWait(CondVar*, Mutex*) MODALIS_REAL("7CondVar4WaitEPNS0_5MutexE");
bool RealWaitWithDeadline(CondVar*, Mutex*, Time)
    MODALIS_REAL("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");

namespace {

// Both annotations happen while the mutex is really held, so TSan sees releases and acquisitions
// in the order they really happened.
void Acquired(Mutex* mu, unsigned flags) {
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
}
void Releasing(Mutex* mu, unsigned flags) {
  __tsan_mutex_pre_unlock(mu, flags);
  __tsan_mutex_post_unlock(mu, flags);
}

}  // namespace

void WrapLock(Mutex* mu) MODALIS_WRAPPED("5Mutex4LockEv");
void WrapLock(Mutex* mu) {
  RealLock(mu);
  Acquired(mu, 0);
}

void WrapUnlock(Mutex* mu) MODALIS_WRAPPED("5Mutex6UnlockEv");
void WrapUnlock(Mutex* mu) {
  Releasing(mu, 0);
  RealUnlock(mu);
}

bool WrapTryLock(Mutex* mu) MODALIS_WRAPPED("5Mutex7TryLockEv");
bool WrapTryLock(Mutex* mu) {
  if (!RealTryLock(mu)) return false;
  Acquired(mu, __tsan_mutex_try_lock);
  return true;
}

void WrapReaderLock(Mutex* mu) MODALIS_WRAPPED("5Mutex10ReaderLockEv");
void WrapReaderLock(Mutex* mu) {
  RealReaderLock(mu);
  Acquired(mu, __tsan_mutex_read_lock);
}

void WrapReaderUnlock(Mutex* mu) MODALIS_WRAPPED("5Mutex12ReaderUnlockEv");
void WrapReaderUnlock(Mutex* mu) {
  Releasing(mu, __tsan_mutex_read_lock);
  RealReaderUnlock(mu);
}

bool WrapReaderTryLock(Mutex* mu) MODALIS_WRAPPED("5Mutex13ReaderTryLockEv");
bool WrapReaderTryLock(Mutex* mu) {
  if (!RealReaderTryLock(mu)) return false;
  Acquired(mu, __tsan_mutex_read_lock | __tsan_mutex_try_lock);
  return true;
}

// TSan keeps a mutex's state by address; forget it before the memory can hold another mutex.
void WrapDestroy(Mutex* mu) MODALIS_WRAPPED("5MutexD1Ev");
void WrapDestroy(Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  RealDestroy(mu);
}

void WrapDestroyBase(Mutex* mu) MODALIS_WRAPPED("5MutexD2Ev");
void WrapDestroyBase(Mutex* mu) {
  __tsan_mutex_destroy(mu, 0);
  RealDestroyBase(mu);
}

// A wait releases the mutex and holds it again on return, whatever woke it.
void WrapWait(CondVar* cv, Mutex* mu) MODALIS_WRAPPED("7CondVar4WaitEPNS0_5MutexE");
void WrapWait(CondVar* cv, Mutex* mu) {
  Releasing(mu, 0);
  RealWait(cv, mu);
  Acquired(mu, 0);
}

bool WrapWaitWithDeadline(CondVar* cv, Mutex* mu, Time deadline)
    MODALIS_WRAPPED("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
bool WrapWaitWithDeadline(CondVar* cv, Mutex* mu, Time deadline) {
  Releasing(mu, 0);
  const bool timed_out = RealWaitWithDeadline(cv, mu, deadline);
  Acquired(mu, 0);
  return timed_out;
}
