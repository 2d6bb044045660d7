// Linux interfaces the Glibc module does not import.
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <netpacket/packet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <malloc.h>
