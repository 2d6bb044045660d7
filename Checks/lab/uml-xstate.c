// Checks/lab/uml-run.sh preloads this into linux.uml. Debian bookworm's linux.uml (6.1) on hosts whose XSAVE area is larger than UML's buffer
// (AVX-512/AMX): the host's PTRACE_SETREGSET NT_X86_XSTATE wants the whole buffer (else EFAULT, and UML panics
// with "ptrace set fp regs failed, errno = 14"). A short SETREGSET is completed here: read the traced process's
// whole current state, lay UML's bytes over its start, keep the features UML's buffer does not cover, set it whole.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <cpuid.h>

static long (*real_ptrace)(int, pid_t, void *, void *);
static unsigned char full[1 << 16];

static uint64_t covered_mask(size_t len) {
  static size_t cached_len;
  static uint64_t cached;
  if (len == cached_len) return cached;
  uint64_t mask = 3; // x87 and SSE live in the legacy area
  for (int i = 2; i < 63; i++) {
    unsigned a, b, c, d;
    __cpuid_count(0xd, i, a, b, c, d);
    if (a && b + a <= len) mask |= 1ull << i;
  }
  cached_len = len;
  return cached = mask;
}

long ptrace(enum __ptrace_request req, ...) {
  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  if (!real_ptrace) real_ptrace = (long (*)(int, pid_t, void *, void *))dlsym(RTLD_NEXT, "ptrace");
  if (req == PTRACE_SETREGSET && (uintptr_t)addr == NT_X86_XSTATE) {
    struct iovec *iov = data, whole = {full, sizeof full};
    unsigned a, enabled_size, c, d;
    __cpuid_count(0xd, 0, a, enabled_size, c, d);
    // Hosts whose enabled XSAVE features fit UML's buffer need nothing.
    if (iov->iov_len >= enabled_size) return real_ptrace(req, pid, addr, data);
    if (iov->iov_len >= 576 && real_ptrace(PTRACE_GETREGSET, pid, addr, &whole) == 0 && whole.iov_len > iov->iov_len) {
      uint64_t cur_bv, uml_bv, mask = covered_mask(iov->iov_len);
      memcpy(&cur_bv, full + 512, 8);
      memcpy(full, iov->iov_base, iov->iov_len);
      memcpy(&uml_bv, full + 512, 8);
      uml_bv = (uml_bv & mask) | (cur_bv & ~mask);
      memcpy(full + 512, &uml_bv, 8);
      return real_ptrace(req, pid, addr, &whole);
    }
  }
  return real_ptrace(req, pid, addr, data);
}
