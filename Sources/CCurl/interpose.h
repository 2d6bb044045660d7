// What the files that stand in for C library calls inside drcheck's libcurl calls share (see CCurl.h).
#ifndef DRCHECK_CCURL_INTERPOSE_H
#define DRCHECK_CCURL_INTERPOSE_H

// The C library's definition of a symbol this module defines too.
void *drcheck_next_symbol(const char *name);
// Whether this thread is inside a drcheck call into libcurl (between drcheck_clock_freeze and drcheck_clock_thaw).
int drcheck_in_curl_call(void);
// Forget what socket_names.c and socket_state.c keep about descriptor `fd` (-1: everything).
void drcheck_socket_names_forget(int fd);
void drcheck_socket_state_forget(int fd);

#endif
