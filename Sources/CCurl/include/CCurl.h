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
CURLcode drcheck_easy_setopt_prereq(CURL *easy, curl_prereq_callback callback);

CURLcode drcheck_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode drcheck_easy_getinfo_off(CURL *easy, CURLINFO info, curl_off_t *value);
CURLcode drcheck_easy_getinfo_ptr(CURL *easy, CURLINFO info, void **value);
CURLcode drcheck_easy_getinfo_socket(CURL *easy, CURLINFO info, curl_socket_t *value);

CURLMcode drcheck_multi_setopt_ptr(CURLM *multi, CURLMoption option, void *value);
CURLMcode drcheck_multi_setopt_socket(CURLM *multi, curl_socket_callback callback);
CURLMcode drcheck_multi_setopt_timer(CURLM *multi, curl_multi_timer_callback callback);

// socket(2) for libcurl's probes: non-blocking (libcurl wants it so) and closed on exec (a hook drcheck starts
// must not inherit probes in flight). Each argument is widened to 64 bits: the C ABI leaves a register's upper half
// undefined for an int, and optimised Swift may pass one with bits there (two adjacent int fields loaded at once);
// the kernel ignores them, but a seccomp filter compares the whole register: under systemd's
// RestrictAddressFamilies= AF_INET read as an unknown family and socket() failed with EAFNOSUPPORT (measured with
// the packaged unit).
int drcheck_socket(int family, int type, int protocol);

#endif
