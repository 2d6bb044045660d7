// What Swift cannot take from libnl and <linux/ip_vs.h> directly: the IPVS constants (enum values and macros
// are imported, but keep them in one place) and attribute iteration, which libnl offers only as macros.
#ifndef DRCHECK_CNETLINK_H
#define DRCHECK_CNETLINK_H

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <linux/ip_vs.h>

#endif
