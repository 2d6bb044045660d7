#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>
#include "CCurl.h"
#include "interpose.h"

// Frozen only on the thread that froze it, between drcheck_clock_freeze and drcheck_clock_thaw.
static __thread int frozen;
static __thread struct timespec frozen_monotonic;
// time() while frozen: the wall clock read at the last re-base (every 10 s at most, so that clock adjustments
// since are a few milliseconds at most), advanced by the monotonic clock since then.
static __thread long long base_wall_ns;
static __thread long long base_monotonic_ns = -1;

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static time_t (*real_time)(time_t *);

void *drcheck_next_symbol(const char *name) { return dlsym(RTLD_NEXT, name); }

int drcheck_in_curl_call(void) { return frozen; }

static void resolve(void) {
  if (!real_clock_gettime) real_clock_gettime = (int (*)(clockid_t, struct timespec *))drcheck_next_symbol("clock_gettime");
  if (!real_time) real_time = (time_t (*)(time_t *))drcheck_next_symbol("time");
}

void drcheck_clock_freeze(long long monotonic_ns) {
  resolve();
  if (base_monotonic_ns < 0 || monotonic_ns - base_monotonic_ns > 10000000000LL) {
    struct timespec wall, monotonic;
    real_clock_gettime(CLOCK_REALTIME, &wall);
    real_clock_gettime(CLOCK_MONOTONIC, &monotonic);
    base_wall_ns = (long long)wall.tv_sec * 1000000000LL + wall.tv_nsec;
    base_monotonic_ns = (long long)monotonic.tv_sec * 1000000000LL + monotonic.tv_nsec;
  }
  frozen_monotonic.tv_sec = monotonic_ns / 1000000000LL;
  frozen_monotonic.tv_nsec = monotonic_ns % 1000000000LL;
  frozen = 1;
}

void drcheck_clock_thaw(void) {
  frozen = 0;
  // What was kept for this call only (drcheck_socket_forget keeps to one descriptor, peers included).
  drcheck_socket_names_forget(-1);
  drcheck_socket_state_forget(-1);
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
  if (frozen && clock == CLOCK_MONOTONIC) {
    *ts = frozen_monotonic;
    return 0;
  }
  resolve();
  return real_clock_gettime(clock, ts);
}

time_t time(time_t *out) {
  if (!frozen) {
    resolve();
    return real_time(out);
  }
  long long now_ns = (long long)frozen_monotonic.tv_sec * 1000000000LL + frozen_monotonic.tv_nsec;
  time_t now = (time_t)((base_wall_ns + (now_ns - base_monotonic_ns)) / 1000000000LL);
  if (out) *out = now;
  return now;
}
