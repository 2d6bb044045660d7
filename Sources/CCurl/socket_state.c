// fcntl, poll and getsockopt for libcurl, and the sockets of its probes: see CCurl.h. A write check answered with a
// success tells socket_peers.c that a connect succeeded.
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CCurl.h"
#include "interpose.h"

// The flags of a socket drcheck_socket opened: what F_GETFL answers for it.
#define OPENED_FLAGS (O_RDWR | O_NONBLOCK)

// The last socket drcheck_socket opened, until something else is done to its number (libcurl makes it non-blocking
// right after it is opened, in the same call).
static __thread int opened = -1;
// What epoll reported for the socket of the libcurl call under way (one answer, then asked of the kernel again).
static __thread struct {
  int fd;
  unsigned events;
} ready = {.fd = -1};
// The socket a write check of this call found connected (epoll: writable, no error): no error is pending on it.
static __thread int connected = -1;

void drcheck_socket_state_forget(int fd) {
  if (fd < 0 || opened == fd) opened = -1;
  if (fd < 0 || ready.fd == fd) ready.fd = -1;
  if (fd < 0 || connected == fd) connected = -1;
}

int drcheck_socket_just_opened(int fd) { return fd >= 0 && fd == opened && drcheck_in_curl_call(); }

void drcheck_socket_forget(int fd) {
  if (fd < 0) return;
  drcheck_socket_names_forget(fd);
  drcheck_socket_state_forget(fd);
  drcheck_socket_peer_forget(fd);
}

int drcheck_socket(int family, int type, int protocol) {
  long flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd = (int)syscall(SYS_socket, (long)family, (long)type | flags, (long)protocol);
  drcheck_socket_forget(fd);
  if (fd >= 0) opened = fd;
  return fd;
}

void drcheck_socket_ready(int fd, unsigned epoll_events) {
  ready.fd = fd;
  ready.events = epoll_events;
}

int fcntl(int fd, int command, ...) {
  static int (*real)(int, int, ...);
  if (!real) real = (int (*)(int, int, ...))drcheck_next_symbol("fcntl");
  va_list arguments;
  va_start(arguments, command);
  // Every fcntl command takes one argument or none; the C library reads one either way.
  void *argument = va_arg(arguments, void *);
  va_end(arguments);
  if (drcheck_socket_just_opened(fd)) {
    if (command == F_GETFL) return OPENED_FLAGS;
    if (command == F_SETFL && (long)argument == OPENED_FLAGS) return 0;
    opened = -1;
  }
  return real(fd, command, argument);
}

int poll(struct pollfd *fds, nfds_t count, int timeout) {
  static int (*real)(struct pollfd *, nfds_t, int);
  if (!real) real = (int (*)(struct pollfd *, nfds_t, int))drcheck_next_symbol("poll");
  // Only a check without waiting whether the socket epoll just reported is writable (libcurl's test of a connect),
  // and only when epoll said writable or failed: a socket that was writable stays so until written to.
  unsigned known = EPOLLOUT | EPOLLERR | EPOLLHUP;
  if (count == 1 && timeout == 0 && fds[0].fd >= 0 && fds[0].fd == ready.fd && (ready.events & known) &&
      !(fds[0].events & (POLLIN | POLLRDNORM | POLLRDBAND)) && drcheck_in_curl_call()) {
    short answer = 0;
    if (ready.events & EPOLLOUT) answer |= fds[0].events & (POLLOUT | POLLWRNORM);
    if (ready.events & EPOLLERR) answer |= POLLERR;
    if (ready.events & EPOLLHUP) answer |= POLLHUP;
    if ((answer & POLLOUT) && !(answer & (POLLERR | POLLHUP))) {
      connected = ready.fd;
      drcheck_socket_peer_established(ready.fd);
    }
    ready.fd = -1;
    fds[0].revents = answer;
    return answer != 0;
  }
  return real(fds, count, timeout);
}

int getsockopt(int fd, int level, int name, void *value, socklen_t *length) {
  static int (*real)(int, int, int, void *, socklen_t *);
  if (!real) real = (int (*)(int, int, int, void *, socklen_t *))drcheck_next_symbol("getsockopt");
  // The error libcurl reads after its write check (SO_ERROR): none, as epoll reported it.
  if (fd >= 0 && fd == connected && level == SOL_SOCKET && name == SO_ERROR && *length >= sizeof(int) &&
      drcheck_in_curl_call()) {
    connected = -1;
    *(int *)value = 0;
    *length = sizeof(int);
    return 0;
  }
  return real(fd, level, name, value, length);
}
