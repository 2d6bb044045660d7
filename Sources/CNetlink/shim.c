#define _GNU_SOURCE
#include <string.h>
#include "CNetlink.h"

const char *drcheck_errno_name(int errnum) { return strerrorname_np(errnum); }
