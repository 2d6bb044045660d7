// The sockets of drcheck's probes: see CCurl.h.
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CCurl.h"

int drcheck_socket(int family, int type, int protocol) {
  long flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
  return (int)syscall(SYS_socket, (long)family, (long)type | flags, (long)protocol);
}
