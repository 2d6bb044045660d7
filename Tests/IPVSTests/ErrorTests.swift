import Glibc
import Primitives
import Testing

@testable import IPVS

private let service = ServiceKey.virtual(Endpoint("198.51.100.33:8000")!, .tcp)
private let destination = Destination(address: IPAddress("203.0.113.21")!, port: 8000, forwarding: .route, weight: 1)

@Test func mapsErrnosToTypedErrors() {
    #expect(Command.setDest.error(EPERM, service: service, destination: destination) == .permissionDenied)
    #expect(Command.getService.error(EACCES, service: nil, destination: nil) == .permissionDenied)
    #expect(Command.setDest.error(ESRCH, service: service, destination: destination) == .serviceGone(service))
    #expect(
        Command.setDest.error(ENOENT, service: service, destination: destination)
            == .destinationGone(service, destination.address, port: 8000))
    // NEW_SERVICE answers ENOENT for an unknown scheduler: that is not a missing destination.
    #expect(
        Command.newService.error(ENOENT, service: service, destination: nil)
            == .kernel(command: "NEW_SERVICE", errno: ENOENT))
}

@Test func messagesSayWhatToDo() {
    #expect(IPVSError.notAvailable.description == "IPVS is not available in this kernel: load it with `modprobe ip_vs`")
    #expect(IPVSError.permissionDenied.description.contains("CAP_NET_ADMIN"))
    #expect(
        IPVSError.destinationGone(service, destination.address, port: 8000).description
            == "IPVS destination 203.0.113.21:8000 of 198.51.100.33:8000/tcp no longer exists (ENOENT): "
            + "it was deleted; re-read the table")
    #expect(
        IPVSError.kernel(command: "SET_DEST", errno: EINVAL).description
            == "IPVS SET_DEST failed: EINVAL (Invalid argument)")
    #expect(!IPVSError.netlink(operation: "receiving GET_DEST", code: 12).description.contains("\n"))
}
