// Typed, non-variadic wrappers for libcurl's variadic calls, which Swift cannot call directly.
// Everything else about libcurl is used from Swift as declared in <curl/curl.h>.
#ifndef DRCHECK_CCURL_H
#define DRCHECK_CCURL_H

#include <curl/curl.h>

CURLcode drcheck_easy_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode drcheck_easy_setopt_ptr(CURL *easy, CURLoption option, const void *value);
// CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION: both take a curl_write_callback.
CURLcode drcheck_easy_setopt_write(CURL *easy, CURLoption option, curl_write_callback callback);
CURLcode drcheck_easy_setopt_opensocket(CURL *easy, curl_opensocket_callback callback);
CURLcode drcheck_easy_setopt_closesocket(CURL *easy, curl_closesocket_callback callback);

CURLcode drcheck_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode drcheck_easy_getinfo_off(CURL *easy, CURLINFO info, curl_off_t *value);
CURLcode drcheck_easy_getinfo_ptr(CURL *easy, CURLINFO info, void **value);

CURLMcode drcheck_multi_setopt_ptr(CURLM *multi, CURLMoption option, void *value);
CURLMcode drcheck_multi_setopt_socket(CURLM *multi, curl_socket_callback callback);
CURLMcode drcheck_multi_setopt_timer(CURLM *multi, curl_multi_timer_callback callback);

// libcurl reads the monotonic clock some 30 times per transfer and time() twice. drcheck defines both symbols here
// (the dynamic linker binds libcurl's calls to the executable's definitions) so that, on this thread and only
// while drcheck calls into libcurl, they return the event loop's time for the turn under way, as nginx and
// keepalived read the clock once per loop turn. Outside those calls both are the C library's. Where each read is a
// trapped system call (User-Mode Linux, some virtual machines) this is a large part of a probe's cost.
void drcheck_clock_freeze(long long monotonic_ns);
void drcheck_clock_thaw(void);

// libcurl 7.88 makes system calls per transfer whose answers drcheck already has; where each is trapped (User-Mode
// Linux, some virtual machines) they are a large part of a probe's cost. drcheck defines these symbols too, and
// answers them itself only on this thread, inside its libcurl calls (between freeze and thaw), for a socket it knows:
// - getsockname and getpeername: the first answer for a connected socket (one with a port) is kept and given again,
//   since a connected socket's addresses do not change (libcurl asks three and two times);
// - getpeername of an IPv4 socket drcheck_socket opened: the address libcurl connected it to (connect is defined
//   here too), once the connect is known to have succeeded (epoll reported the socket writable, without an error);
// - fcntl: F_GETFL of the socket drcheck_socket just opened is its flags, and F_SETFL to those same flags (libcurl
//   making it non-blocking) has nothing to do;
// - poll: a check without waiting whether the socket under way is writable (libcurl's test of a connect) is
//   answered from what epoll reported for it this turn (see drcheck_socket_ready);
// - getsockopt SO_ERROR right after that check found the socket connected (writable, no error): no error pending,
//   as epoll reported it (an error that came since shows at libcurl's next send or receive).
// What is kept for a call is forgotten when it ends (thaw), a socket's peer when drcheck opens or closes a socket on
// that number. Outside those calls, and for anything else, they are the C library's.

// Forgets what is kept about descriptor `fd`; call it when closing a socket.
void drcheck_socket_forget(int fd);

// socket(2) for libcurl's probes: non-blocking (libcurl wants it so) and closed on exec (a hook drcheck starts
// must not inherit probes in flight). Each argument is widened to 64 bits: the C ABI leaves a register's upper half
// undefined for an int, and optimised Swift may pass one with bits there (two adjacent int fields loaded at once);
// the kernel ignores them, but a seccomp filter compares the whole register: under systemd's
// RestrictAddressFamilies= AF_INET read as an unknown family and socket() failed with EAFNOSUPPORT (measured with
// the packaged unit).
int drcheck_socket(int family, int type, int protocol);

// What epoll reported for `fd` (its EPOLL* bits) in this turn, told before the libcurl call that acts on it.
void drcheck_socket_ready(int fd, unsigned epoll_events);

#endif
