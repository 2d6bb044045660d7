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

// libcurl 7.88 asks a connected socket for its own address three times and its peer's twice per transfer, each a
// system call. drcheck defines getsockname and getpeername too: inside its libcurl calls (between freeze and thaw,
// on this thread) the first answer for a socket with a port is kept and given again, since a connected socket's
// addresses do not change. What is kept is forgotten when the call ends (thaw) and when drcheck opens or closes a
// socket on that descriptor: call this with the descriptor (-1 forgets everything).
void drcheck_socket_names_forget(int fd);

// socket(2) with each argument widened to 64 bits. The C ABI leaves a register's upper half undefined for an int,
// and optimised Swift may pass one with bits there (two adjacent int fields loaded at once); the kernel ignores them,
// but a seccomp filter compares the whole register: under systemd's RestrictAddressFamilies= AF_INET read as an
// unknown family and socket() failed with EAFNOSUPPORT (measured with the packaged unit). It forgets the socket
// names kept for the descriptor it returns.
int drcheck_socket(int family, int type, int protocol);

#endif
