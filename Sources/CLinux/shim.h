// Linux interfaces the Glibc module does not import.
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <netpacket/packet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/pidfd.h>

// Declared by glibc only under _GNU_SOURCE, which the Glibc module is not built with.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pipe2(int fds[2], int flags);
