// Typed, non-variadic wrappers for libcurl's variadic calls, which Swift cannot call directly.
// Everything else about libcurl is used from Swift as declared in <curl/curl.h>.
#ifndef DRCHECK_CCURL_H
#define DRCHECK_CCURL_H

#include <curl/curl.h>

CURLcode drcheck_easy_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode drcheck_easy_setopt_ptr(CURL *easy, CURLoption option, const void *value);
CURLcode drcheck_easy_setopt_write(CURL *easy, curl_write_callback callback);
CURLcode drcheck_easy_setopt_opensocket(CURL *easy, curl_opensocket_callback callback);

CURLcode drcheck_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode drcheck_easy_getinfo_off(CURL *easy, CURLINFO info, curl_off_t *value);
CURLcode drcheck_easy_getinfo_ptr(CURL *easy, CURLINFO info, void **value);

CURLMcode drcheck_multi_setopt_ptr(CURLM *multi, CURLMoption option, void *value);
CURLMcode drcheck_multi_setopt_socket(CURLM *multi, curl_socket_callback callback);
CURLMcode drcheck_multi_setopt_timer(CURLM *multi, curl_multi_timer_callback callback);

#endif
