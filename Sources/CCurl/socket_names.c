// getsockname and getpeername for libcurl: see CCurl.h. Built without _GNU_SOURCE so
// that <sys/socket.h> declares them with plain pointers, as defined here.
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "CCurl.h"
#include "interpose.h"

typedef int (*name_call)(int, struct sockaddr *, socklen_t *);

struct remembered {
  int fd;
  socklen_t length;
  struct sockaddr_storage address;
};

// One socket's answers: libcurl asks about one socket at a time.
static __thread struct remembered own = {.fd = -1};
static __thread struct remembered peer = {.fd = -1};

void drcheck_socket_names_forget(int fd) {
  if (fd < 0 || own.fd == fd) own.fd = -1;
  if (fd < 0 || peer.fd == fd) peer.fd = -1;
}

// An address with a port: the socket is bound by a connect and keeps it (an unconnected socket's 0 may change).
static int settled(const struct sockaddr_storage *address) {
  switch (address->ss_family) {
  case AF_INET: return ((const struct sockaddr_in *)address)->sin_port != 0;
  case AF_INET6: return ((const struct sockaddr_in6 *)address)->sin6_port != 0;
  default: return 0;
  }
}

static int answer(struct remembered *slot, name_call real, int fd, struct sockaddr *address, socklen_t *length) {
  int inside = drcheck_in_curl_call();
  if (inside && slot->fd == fd) {
    memcpy(address, &slot->address, slot->length < *length ? slot->length : *length);
    *length = slot->length;
    return 0;
  }
  socklen_t room = *length;
  int result = real(fd, address, length);
  if (inside && result == 0 && *length <= room && *length <= sizeof slot->address) {
    memset(&slot->address, 0, sizeof slot->address);
    memcpy(&slot->address, address, *length);
    if (settled(&slot->address)) {
      slot->fd = fd;
      slot->length = *length;
    }
  }
  return result;
}

int getsockname(int fd, struct sockaddr *address, socklen_t *length) {
  static name_call real;
  if (!real) real = (name_call)drcheck_next_symbol("getsockname");
  return answer(&own, real, fd, address, length);
}

int getpeername(int fd, struct sockaddr *address, socklen_t *length) {
  static name_call real;
  if (!real) real = (name_call)drcheck_next_symbol("getpeername");
  if (drcheck_in_curl_call() && drcheck_socket_peer_answer(fd, address, length)) return 0;
  return answer(&peer, real, fd, address, length);
}
