#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>
#include "CCurl.h"

// Frozen only on the thread that froze it, between drcheck_clock_freeze and drcheck_clock_thaw.
static __thread int frozen;
static __thread struct timespec frozen_monotonic;
// time() while frozen: the wall clock read at the last re-base, advanced by the monotonic clock since then.
static __thread time_t base_wall;
static __thread long long base_monotonic_ns = -1;

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static time_t (*real_time)(time_t *);

static void resolve(void) {
  if (!real_clock_gettime) real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  if (!real_time) real_time = (time_t (*)(time_t *))dlsym(RTLD_NEXT, "time");
}

void drcheck_clock_freeze(long long monotonic_ns) {
  resolve();
  if (base_monotonic_ns < 0 || monotonic_ns - base_monotonic_ns > 60000000000LL) {
    base_wall = real_time(NULL);
    base_monotonic_ns = monotonic_ns;
  }
  frozen_monotonic.tv_sec = monotonic_ns / 1000000000LL;
  frozen_monotonic.tv_nsec = monotonic_ns % 1000000000LL;
  frozen = 1;
}

void drcheck_clock_thaw(void) { frozen = 0; }

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
  time_t now = base_wall + (time_t)((now_ns - base_monotonic_ns) / 1000000000LL);
  if (out) *out = now;
  return now;
}
