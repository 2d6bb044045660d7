import Agent
import Exporter
import Primitives
import Probe
import Testing

@testable import Daemon

/// Identical checks of one real server cost one probe, whatever number of services share it.
struct ProbeSharingTests {
    static func id(_ service: String, _ server: String) -> ServerID {
        ServerID(service: ServiceKey(service)!, server: Endpoint(server)!)
    }

    static func target(
        _ id: ServerID, interval: Duration = .seconds(1), path: String = "/", address: IPAddress? = nil,
        mark: UInt32? = nil
    ) throws -> ProbeTarget {
        try ProbeTarget(
            id: id, labels: ServerLabels(service: id.service.label, realServer: id.server.description),
            intervals: CheckIntervals(steady: interval), fall: 3,
            check: .network(
                NetworkCheck(
                    address: address ?? id.server.address, port: id.server.port, path: path, mark: mark)))
    }

    @Test func thirteenServicesOfAGroupProbeEachServerOnce() throws {
        var targets: [ServerID: ProbeTarget] = [:]
        for vip in 1...13 {
            for server in ["203.0.113.21:80", "203.0.113.22:80"] {
                let id = Self.id("198.51.100.\(vip):80/tcp", server)
                targets[id] = try Self.target(id)
            }
        }
        let sharing = ProbeSharing(targets)
        let probed = targets.keys.filter { sharing.leader[$0] == nil }.sorted()
        #expect(
            probed == [
                Self.id("198.51.100.1:80/tcp", "203.0.113.21:80"), Self.id("198.51.100.1:80/tcp", "203.0.113.22:80"),
            ])
        #expect(sharing.sharers[probed[0]]?.count == 12)
        #expect(sharing.sharers[probed[0]]?.allSatisfy { $0.server == probed[0].server } == true)
        #expect(sharing.leader.count == 24)
    }

    @Test func anythingThatDiffersIsProbedApart() throws {
        let a = Self.id("198.51.100.1:80/tcp", "203.0.113.21:80")
        let b = Self.id("198.51.100.2:80/tcp", "203.0.113.21:80")
        let pairs: [(ProbeTarget, ProbeTarget)] = [
            (try Self.target(a), try Self.target(b, path: "/other")),
            (try Self.target(a), try Self.target(b, interval: .seconds(2))),
            // Through the DR path: each service's own VIP and probe mark.
            (
                try Self.target(a, address: IPAddress("198.51.100.1"), mark: 0x4452_0000),
                try Self.target(b, address: IPAddress("198.51.100.2"), mark: 0x4452_0001)
            ),
        ]
        for (first, second) in pairs {
            #expect(ProbeSharing([a: first, b: second]) == ProbeSharing())
        }
        #expect(ProbeSharing([a: try Self.target(a), b: try Self.target(b)]).leader == [b: a])
    }
}
