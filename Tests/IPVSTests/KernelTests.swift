import Glibc
import Testing

@testable import IPVS

/// These talk to this machine's kernel through libnl.
@Test func resolvesTheGenericNetlinkControllerThroughLibnl() throws {
    let socket = try GenericNetlinkSocket()
    #expect(try socket.resolve(family: "nlctrl") == 0x10)  // GENL_ID_CTRL
    #expect(try socket.resolve(family: "drcheck-no-such-family") == nil)
}

@Test func theSocketIsCloseOnExec() throws {
    let socket = try GenericNetlinkSocket()
    #expect(fcntl(socket.fileDescriptor, F_GETFD) & FD_CLOEXEC == FD_CLOEXEC)
}

/// The development machines' kernel has no IPVS (LAB.md); inside the lab the family exists.
@Test(.enabled(if: access("/proc/net/ip_vs", F_OK) != 0, "this kernel has IPVS"))
func connectingWithoutIPVSGivesTheTypedError() {
    #expect(throws: IPVSError.notAvailable) { try IPVSClient() }
}
