import Exporter
import Primitives
import Probe
import Testing

@testable import Daemon

/// `fleet` through the daemon, on virtual time, with etcd's gateway in memory: this director's verdicts published
/// under its lease, a server a quorum of the others sees failing drained here, etcd gone (its own verdicts, said
/// once) and back, a director's lease expired, this director's own lease lost and taken again.
@Suite struct FleetWiringTests {
    typealias Lab = DaemonHarness
    static let top = "fleet: {etcd: [\"198.51.100.9:2379\"], name: lvs1, quorum: 2, lease: 6s}"

    /// Verdicts on .11, .12 and .13 (up).
    static func verdicts(_ eleven: Bool, _ twelve: Bool) -> [UInt8] {
        PeerVerdicts.text(
            [(11, eleven), (12, twelve), (13, true)].map {
                (PeerVerdicts.Server(service: Lab.service, server: Lab.server($0)), $1)
            })
    }

    @Test func aServerAQuorumSeesFailingIsDrainedHereUntilTheStoreIsGoneOrTheQuorumIs() throws {
        let lab = try Lab(
            check: "interval: 1s, timeout: 500ms, fall: 1, rise: 1, mode: rip", servers: [11, 12, 13], top: Self.top)
        let etcd = FakeEtcd(loop: lab.loop)
        lab.engine.answer = { check in
            if check.port == 2379 { return etcd.answer(check) }
            return check.address == IPAddress("203.0.113.12")
                ? ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
                : ProbeResult(.ok, duration: .milliseconds(1), status: 200)
        }
        try lab.advance(by: .seconds(3))
        #expect(etcd.text("/drcheck/fleet/lvs1") == String(decoding: Self.verdicts(true, false), as: UTF8.self))
        #expect(lab.metric("drcheck_fleet_store_up") == "1.0")
        #expect(lab.metric("drcheck_fleet_directors") == "1.0")
        #expect(lab.ipvs.writes.map(\.weight) == [0])
        _ = lab.log.take()

        // Two others see .11 failing (and .12 up: it fails from this director only).
        etcd.set("/drcheck/fleet/lvs2", Self.verdicts(false, true))
        etcd.set("/drcheck/fleet/lvs3", Self.verdicts(false, true))
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 0])
        #expect(lab.ipvs.writes.last?.server == Lab.server(11))
        var lines = lab.log.take()
        #expect(
            lines.contains(
                "<5>service=198.51.100.10:80 198.51.100.10:80/tcp 203.0.113.11:80: failing at 2 other directors of the fleet (quorum 2): drained here too"
            ))
        #expect(lab.metric("drcheck_fleet_directors") == "3.0")
        #expect(lab.metric("drcheck_fleet_down{\(Lab.labels(11))}") == "1.0")
        // Failing here only is said once it lasted 10 s: the director that sees a stopped server first is not its path.
        #expect(lab.metric("drcheck_fleet_down_here_only{\(Lab.labels(12))}") == nil)
        try lab.advance(by: .seconds(8))
        #expect(lab.metric("drcheck_fleet_down_here_only{\(Lab.labels(12))}") == nil)
        // 10 s after the read that first saw it, at the next read.
        try lab.advance(by: .seconds(3))
        #expect(lab.metric("drcheck_fleet_down_here_only{\(Lab.labels(12))}") == "1.0")
        lines += lab.log.take()
        #expect(
            lines.contains(
                "<4>198.51.100.10:80/tcp 203.0.113.12:80: failing from this director only (up at 2 others of the fleet) for 10s: kept drained here; this director's path to it (drcheck diagnose)"
            ))
        let server = try #require(lab.daemon.statusDocument().services.first?.realServers.first)
        #expect(server.state == "fleet_down")
        #expect(server.fleetDown == 2)
        // A director's value is read once a change: each tick lists the keys and their revisions.
        #expect(etcd.valuesRead.sorted() == ["/drcheck/fleet/lvs2", "/drcheck/fleet/lvs3"])
        // Its own verdict on .11 is still up, as published.
        #expect(etcd.text("/drcheck/fleet/lvs1") == String(decoding: Self.verdicts(true, false), as: UTF8.self))

        // etcd gone: this director's own verdicts, said once; .11 restored.
        etcd.up = false
        try lab.advance(by: .seconds(4))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 0, 5])
        #expect(lab.metric("drcheck_fleet_down_here_only{\(Lab.labels(12))}") == nil)
        lines = lab.log.take()
        #expect(
            lines.filter {
                $0.contains(
                    "fleet: etcd 198.51.100.9:2379: connect_refused; on this director's own verdicts until the fleet is read again"
                )
            }.count == 1)
        #expect(lab.metric("drcheck_fleet_store_up") == "0.0")
        #expect(lab.metric("drcheck_fleet_down{\(Lab.labels(11))}") == nil)

        // Back, its lease still alive: drained again.
        etcd.up = true
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 0, 5, 0])
        #expect(lab.log.take().contains("<5>fleet: read again through etcd 198.51.100.9:2379"))

        // The store lost every lease (lvs1's key with it): a new lease, the verdicts put again.
        etcd.forgetLeases()
        #expect(etcd.text("/drcheck/fleet/lvs1") == nil)
        try lab.advance(by: .seconds(4))
        #expect(etcd.text("/drcheck/fleet/lvs1") == String(decoding: Self.verdicts(true, false), as: UTF8.self))
        #expect(lab.metric("drcheck_fleet_store_up") == "1.0")

        // lvs3 left the fleet (its lease expired): one director is no quorum.
        etcd.remove("/drcheck/fleet/lvs3")
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes.map(\.weight).suffix(1) == [5])
        #expect(lab.metric("drcheck_fleet_directors") == "2.0")
        #expect(
            lab.log.take().contains(
                "<5>service=198.51.100.10:80 198.51.100.10:80/tcp 203.0.113.11:80: no longer failing at a quorum of the fleet, or the fleet not read: back to its own checks"
            ))
    }
}
