// What the files that stand in for C library calls inside drcheck's libcurl calls share (see CCurl.h).
#ifndef DRCHECK_CCURL_INTERPOSE_H
#define DRCHECK_CCURL_INTERPOSE_H

#include <sys/socket.h>

// The C library's definition of a symbol this module defines too.
void *drcheck_next_symbol(const char *name);
// Whether this thread is inside a drcheck call into libcurl (between drcheck_clock_freeze and drcheck_clock_thaw).
int drcheck_in_curl_call(void);
// What socket_names.c and socket_state.c keep for the call under way, forgotten for descriptor `fd` (-1: every
// descriptor, at the end of the call).
void drcheck_socket_names_forget(int fd);
void drcheck_socket_state_forget(int fd);
// Whether `fd` is the socket drcheck_socket opened in the call under way, nothing else done to it but libcurl's
// fcntl answered (socket_state.c).
int drcheck_socket_just_opened(int fd);

// socket_peers.c: what a socket drcheck_socket opened was connected to (IPv4), kept until the socket is forgotten.
void drcheck_socket_peer_forget(int fd);
// epoll reported the connecting socket writable without an error: the connect succeeded.
void drcheck_socket_peer_established(int fd);
// Answers getpeername for `fd` as the kernel would (returns 1) when its connect is known to have succeeded, else 0.
int drcheck_socket_peer_answer(int fd, struct sockaddr *address, socklen_t *length);

#endif
