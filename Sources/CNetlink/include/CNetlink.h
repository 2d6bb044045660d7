// libnl-genl-3, the IPVS netlink constants and rtnetlink's neighbour tables for Swift. libnl's functions are called
// from Swift as declared; its NLA_PUT_* and nla_for_each_* macros are not needed (Swift calls nla_put_* and walks
// attributes itself).
#ifndef DRCHECK_CNETLINK_H
#define DRCHECK_CNETLINK_H

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <linux/ip_vs.h>
#include <linux/neighbour.h>

/// "EPERM" for EPERM: glibc declares strerrorname_np only under _GNU_SOURCE, which Swift's Glibc lacks.
const char *drcheck_errno_name(int errnum);

#endif
