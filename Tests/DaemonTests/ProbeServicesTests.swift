import IPVS
import Primitives
import Testing

@testable import Daemon

/// drcheck's probe services made and deleted through IPVS's generic service and destination calls.
@Suite struct ProbeServicesTests {
    static let key = ServiceKey.fwmark(7, family: .ipv4)
    static let rs1 = IPAddress("203.0.113.11")!
    static let rs2 = IPAddress("203.0.113.12")!

    @Test func makingOneLeadsToItsServerAloneByDirectRoutingAtWeightOne() throws {
        let ipvs = FakeIPVS([:])
        try ProbeServices(ipvs: ipvs).make(mark: 7, server: Self.rs1)
        #expect(ipvs.table == [Self.key: [Destination(address: Self.rs1, port: 0, forwarding: .route, weight: 1)]])
        // Made again: nothing changes.
        try ProbeServices(ipvs: ipvs).make(mark: 7, server: Self.rs1)
        #expect(ipvs.probeServiceCalls == ["+fwmark 7 -> 203.0.113.11"])
        #expect(ipvs.table[Self.key]?.count == 1)
        // One-packet scheduling: a UDP probe leaves no connection entry.
        #expect(ipvs.serviceFlags[Self.key] == .onePacket)
    }

    @Test func oneLeadingElsewhereIsSetRight() throws {
        let ipvs = FakeIPVS([
            Self.key: [
                Destination(address: Self.rs2, port: 0, forwarding: .route, weight: 3),
                Destination(address: Self.rs1, port: 0, forwarding: .masquerade, weight: 5),
            ]
        ])
        try ProbeServices(ipvs: ipvs).make(mark: 7, server: Self.rs1)
        #expect(ipvs.table == [Self.key: [Destination(address: Self.rs1, port: 0, forwarding: .route, weight: 1)]])
    }

    @Test func deletingOneThatIsGoneSucceeds() throws {
        let ipvs = FakeIPVS([Self.key: []])
        try ProbeServices(ipvs: ipvs).delete(Self.key)
        try ProbeServices(ipvs: ipvs).delete(Self.key)
        #expect(ipvs.table.isEmpty)
        #expect(ipvs.probeServiceCalls == ["-fwmark 7"])
    }

    @Test func theRangesServicesAreFoundByMark() {
        let services = [Self.key, .fwmark(5, family: .ipv6), ServiceKey("198.51.100.10:80/tcp")!].map {
            Service(key: $0, scheduler: "rr")
        }
        #expect(ProbeServices.listed(in: services, marks: 6...9).map(\.mark) == [7])
    }
}
