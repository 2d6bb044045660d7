// Linux interfaces the Glibc module does not import.
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
