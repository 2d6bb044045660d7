import Agent
import IPVS
import Primitives
import Testing

@testable import Daemon

/// A kernel table held in memory, read only.
final class FakeTable: IPVSControl {
    let table: [ServiceKey: [Destination]]

    init(_ table: [ServiceKey: [Destination]]) { self.table = table }

    func info() throws(IPVSError) -> IPVSInfo { IPVSInfo(version: 0x01_0201, connectionTableSize: 4096) }
    func services() throws(IPVSError) -> [Service] { table.keys.map { Service(key: $0, scheduler: "rr") } }
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] { table[service] ?? [] }
    func setWeight(_ weight: Int32, of destination: Destination, in service: ServiceKey) throws(IPVSError) {}
    func addService(_ service: Service) throws(IPVSError) {}
    func deleteService(_ service: ServiceKey) throws(IPVSError) {}
    func addDestination(_ destination: Destination, to service: ServiceKey) throws(IPVSError) {}
    func setDestination(_ destination: Destination, in service: ServiceKey) throws(IPVSError) {}
    func deleteDestination(_ destination: Destination, from service: ServiceKey) throws(IPVSError) {}
}

/// On a dual-stack director an IPv4 and an IPv6 fwmark service may share a mark; drcheck reads them as two.
@Suite struct KernelSnapshotTests {
    static func destination(_ text: String, _ forwarding: ForwardingMethod) -> Destination {
        let endpoint = Endpoint(text, allowPortZero: true)!
        return Destination(address: endpoint.address, port: endpoint.port, forwarding: forwarding, weight: 1)
    }

    let fake = FakeTable([
        .fwmark(5, family: .ipv4): [destination("203.0.113.21:0", .route), destination("203.0.113.22:0", .route)],
        .fwmark(5, family: .ipv6): [destination("[::1]:8101", .masquerade), destination("[::1]:8102", .masquerade)],
        .fwmark(0x4452_0000, family: .ipv4): [destination("203.0.113.21:0", .route)],
    ])

    @Test func discoveryReadsBothFamiliesApartAndOnlyListsProbeServices() throws {
        let config = try ConfigParser.parse(yaml: "discover: true\n", file: "test.yaml")
        let snapshot = try KernelSnapshot.read(fake, config: config)
        #expect(snapshot.services.keys.sorted() == [.fwmark(5, family: .ipv4), .fwmark(5, family: .ipv6)])
        #expect(snapshot.probeServices == [.fwmark(0x4452_0000, family: .ipv4)])
        #expect(snapshot.services[.fwmark(5, family: .ipv6)]?.kernel.key == .fwmark(5, family: .ipv6))
        #expect(
            snapshot.services[.fwmark(5, family: .ipv6)]?.weights == [
                Endpoint("[::1]:8101")!: 1, Endpoint("[::1]:8102")!: 1,
            ])
        let v4 = ServerID(service: .fwmark(5, family: .ipv4), server: Endpoint("203.0.113.21:0", allowPortZero: true)!)
        #expect(snapshot.destination(v4)?.forwarding == .route)
        #expect(
            snapshot.destination(ServerID(service: .fwmark(5, family: .ipv4), server: Endpoint("[::1]:8101")!)) == nil)
    }

    /// `fwmark: 5` written for an earlier version, which also meant an IPv6 service, names the IPv4 one now.
    @Test func aListedFwmarkServiceTheKernelHasOnlyInTheOtherFamilyIsNamed() throws {
        let v6Only = FakeTable([.fwmark(5, family: .ipv6): [Self.destination("[::1]:8101", .masquerade)]])
        let config = try ConfigParser.parse(
            yaml: "services:\n  - fwmark: 5\n    check: {port: 8101}\n  - fwmark: 6\n    check: {port: 80}\n",
            file: "test.yaml")
        let snapshot = try KernelSnapshot.read(v6Only, config: config)
        #expect(snapshot.services.isEmpty)
        #expect(
            snapshot.otherFamilyOnly == [
                ServiceKey.fwmark(5, family: .ipv4):
                    "fwmark:5: IPVS has no ipv4 fwmark 5 service to check, only an ipv6 one (fwmark:5/ipv6): "
                    + "give its config entry family: ipv6"
            ])
        #expect(try KernelSnapshot.read(fake, config: config).otherFamilyOnly == [:])
    }

    @Test func withoutDiscoveryOnlyTheListedFamilyIsRead() throws {
        let config = try ConfigParser.parse(
            yaml: "services:\n  - fwmark: 5\n    family: ipv6\n    check: {port: 8101}\n", file: "test.yaml")
        let snapshot = try KernelSnapshot.read(fake, config: config)
        #expect(Array(snapshot.services.keys) == [.fwmark(5, family: .ipv6)])
    }
}
