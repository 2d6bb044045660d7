import CNetlink
import Glibc
import Primitives
import Testing

@testable import IPVS

/// These talk to this machine's kernel through libnl.
@Test func resolvesTheGenericNetlinkControllerThroughLibnl() throws {
    let socket = try NetlinkSocket()
    #expect(try socket.resolve(family: "nlctrl") == 0x10)  // GENL_ID_CTRL
    #expect(try socket.resolve(family: "drcheck-no-such-family") == nil)
}

@Test func theSocketIsCloseOnExec() throws {
    let socket = try NetlinkSocket()
    #expect(fcntl(socket.fileDescriptor, F_GETFD) & FD_CLOEXEC == FD_CLOEXEC)
}

/// The development machines' kernel has no IPVS (LAB.md); inside the lab the family exists.
@Test(.enabled(if: access("/proc/net/ip_vs", F_OK) != 0, "this kernel has IPVS"))
func connectingWithoutIPVSGivesTheTypedError() {
    #expect(throws: IPVSError.notAvailable) { try IPVSClient() }
}

/// The request loop against generic netlink's own controller, which every kernel has: a dump spanning messages.
@Test func dumpsEveryGenericNetlinkFamily() throws {
    let socket = try NetlinkSocket()
    let request = try NetlinkRequest(
        family: Int32(GENL_ID_CTRL), command: UInt8(CTRL_CMD_GETFAMILY), named: "GETFAMILY", dump: true)
    var names: [String] = []
    try socket.perform(request) { (reply) throws(IPVSError) in
        names.append(reply.string(Int(CTRL_ATTR_FAMILY_NAME)) ?? "")
    }
    #expect(names.contains("nlctrl"))
    #expect(!names.contains(""))
    // The socket is in step afterwards: the next request gets its own answer.
    #expect(try socket.resolve(family: "nlctrl") == 0x10)
}

/// The kernel's errno comes back as itself, not as libnl's translation.
@Test func aKernelErrorArrivesAsItsErrno() throws {
    let socket = try NetlinkSocket()
    let request = try NetlinkRequest(
        family: Int32(GENL_ID_CTRL), command: UInt8(CTRL_CMD_GETFAMILY), named: "GETFAMILY")
    try request.put(Int(CTRL_ATTR_FAMILY_NAME), string: "drcheck-nope")
    #expect {
        try socket.perform(request)
    } throws: { error in
        guard case RequestFailure.kernel(let errno) = error else { return false }
        return errno == ENOENT
    }
    #expect(try socket.resolve(family: "nlctrl") == 0x10)
}

/// rtnetlink's neighbour tables through the same socket code: the thresholds it states are the sysctls'.
@Test func readsTheNeighbourTablesAsTheirSysctlsStateThem() throws {
    let tables = try NeighbourReader().tables()
    for (family, name) in [(AddressFamily.ipv4, "ipv4"), (.ipv6, "ipv6")] {
        let sysctls = (1...3).compactMap { index in
            readSmallFile("/proc/sys/net/\(name)/neigh/default/gc_thresh\(index)").flatMap {
                Int($0.filter { !$0.isWhitespace })
            }
        }
        guard sysctls.count == 3 else { continue }  // not the first network namespace
        let table = try #require(tables.first { $0.family == family })
        #expect([table.keep, table.soft, table.hard] == sysctls)
        #expect(table.entries >= 0 && table.entries <= table.hard)
    }
    #expect(tables.map(\.family) == [.ipv4, .ipv6])
}

@Test func readsThisNamespacesNeighbourEntriesOfOneFamily() throws {
    let reader = try NeighbourReader()
    for family in AddressFamily.allCases {
        #expect(try reader.entries(family).keys.allSatisfy { $0.family == family })
    }
}
