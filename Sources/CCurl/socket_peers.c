// connect and getpeername for libcurl: the address a probe's IPv4 socket connected to is its peer (see CCurl.h).
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "CCurl.h"
#include "interpose.h"

enum { UNKNOWN, CONNECTING, ESTABLISHED };

struct peer {
  unsigned char state;
  struct sockaddr_in address;
};

// By descriptor number, grown to the highest socket drcheck_socket opened that libcurl connected. Kept across calls:
// a connect is answered in a later call, when epoll reports the socket writable.
static __thread struct peer *peers;
static __thread int capacity;

void drcheck_socket_peer_forget(int fd) {
  if (fd >= 0 && fd < capacity) peers[fd].state = UNKNOWN;
}

static struct peer *slot(int fd) {
  if (fd >= capacity) {
    int grown = capacity ? capacity : 256;
    while (grown <= fd) grown *= 2;
    struct peer *more = realloc(peers, (size_t)grown * sizeof *more);
    if (!more) return NULL;
    memset(more + capacity, 0, (size_t)(grown - capacity) * sizeof *more);
    peers = more;
    capacity = grown;
  }
  return &peers[fd];
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
  typedef int (*connect_call)(int, const struct sockaddr *, socklen_t);
  static connect_call real;
  if (!real) real = (connect_call)drcheck_next_symbol("connect");
  int result = real(fd, address, length);
  int saved = errno;
  if (drcheck_socket_just_opened(fd) && address->sa_family == AF_INET && length >= sizeof(struct sockaddr_in)) {
    struct peer *peer = slot(fd);
    if (peer && (result == 0 || saved == EINPROGRESS)) {
      peer->state = result == 0 ? ESTABLISHED : CONNECTING;
      memset(&peer->address, 0, sizeof peer->address);
      const struct sockaddr_in *target = (const struct sockaddr_in *)address;
      peer->address.sin_family = AF_INET;
      peer->address.sin_port = target->sin_port;
      peer->address.sin_addr = target->sin_addr;
    }
  }
  errno = saved;
  return result;
}

void drcheck_socket_peer_established(int fd) {
  if (fd >= 0 && fd < capacity && peers[fd].state == CONNECTING) peers[fd].state = ESTABLISHED;
}

int drcheck_socket_peer_answer(int fd, struct sockaddr *address, socklen_t *length) {
  if (fd < 0 || fd >= capacity || peers[fd].state != ESTABLISHED) return 0;
  // As the kernel answers: the address cut to the room given, the room needed in *length.
  socklen_t full = sizeof peers[fd].address;
  memcpy(address, &peers[fd].address, *length < full ? *length : full);
  *length = full;
  return 1;
}
