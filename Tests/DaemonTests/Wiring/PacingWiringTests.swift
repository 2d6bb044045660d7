import Agent
import EventLoop
import Primitives
import Probe
import Testing

@testable import Daemon

/// `fast_interval` and `down_interval` through the daemon, on virtual time: a failing server is probed again at the
/// fast interval until drained, at the down interval while down, fast again once it passes, and at its interval when
/// back up.
@Suite struct PacingWiringTests {
    typealias Lab = DaemonHarness

    static let check = "interval: 5s, fast_interval: 500ms, down_interval: 2s, timeout: 400ms, fall: 3, rise: 2, "
    static let refused = ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")

    /// The probes' starts so far, in ms from the first.
    static func starts(_ lab: Lab) -> [Int] {
        lab.engine.startedAt.map { Int(($0 - lab.engine.startedAt[0]) / .milliseconds(1)) }
    }

    @Test func aStoppedServerIsDrainedTwoFastIntervalsAfterItsFirstFailureAndRestoredFastToo() throws {
        let lab = try Lab(check: Self.check + "mode: rip, keep_last: false", servers: [11])
        try lab.firstRound()
        lab.engine.answer = { _ in Self.refused }
        try lab.advance(by: .milliseconds(6_100))
        #expect(Self.starts(lab) == [0, 5_000, 5_500, 6_000])
        #expect(lab.ipvs.writes == [FakeIPVS.Write(service: Lab.service, server: Lab.server(11), weight: 0)])
        // Down: every 2 s.
        try lab.advance(by: .milliseconds(4_000))
        #expect(Self.starts(lab) == [0, 5_000, 5_500, 6_000, 8_000, 10_000])
        lab.engine.answer = { _ in ProbeResult(.ok, duration: .milliseconds(10), status: 200) }
        try lab.advance(by: .milliseconds(7_500))
        // Passing from 12 s: the second success 500 ms later restores it; then every 5 s.
        #expect(Self.starts(lab) == [0, 5_000, 5_500, 6_000, 8_000, 10_000, 12_000, 12_500, 17_500])
        #expect(lab.ipvs.writes.map(\.weight) == [0, 5])
        #expect(lab.daemon.scheduler.interval(Lab.id(11)) == .seconds(5))
    }

    @Test func aServerThatFailsOnceIsProbedFastOnceAndThenAtItsInterval() throws {
        let lab = try Lab(check: Self.check + "mode: rip, keep_last: false", servers: [11])
        try lab.firstRound()
        lab.engine.answer = { _ in Self.refused }
        try lab.advance(by: .milliseconds(4_200))
        lab.engine.answer = { _ in ProbeResult(.ok, duration: .milliseconds(10), status: 200) }
        try lab.advance(by: .milliseconds(200))
        print(
            "DEBUG0", lab.daemon.reconciler.state.servers[Lab.id(11)] as Any,
            lab.daemon.scheduler.interval(Lab.id(11)) as Any, lab.daemon.sharing.leader, lab.log.lines)
        try lab.advance(by: .milliseconds(9_700))
        #expect(Self.starts(lab) == [0, 5_000, 5_500, 10_500])
        #expect(lab.ipvs.writes.isEmpty)
    }

    @Test func aProbeSharedByTwoServicesRunsAtThePaceOfTheirServer() throws {
        // One tcp probe of each server for both services; once 203.0.113.11 fails it stays in doubt (fall 1000).
        let lab = try Lab(
            check: "type: tcp, interval: 5s, fast_interval: 500ms, timeout: 400ms, fall: 1000, mode: rip",
            servers: [11, 12], alsoAt: [Endpoint("198.51.100.11:80")!])
        // Each server's first probe (at its phase: 0 or 3.09 s) passes.
        try lab.advance(by: .seconds(4))
        lab.engine.answer = {
            $0.address == IPAddress("203.0.113.11") ? Self.refused : ProbeResult(.ok, duration: .milliseconds(1))
        }
        try lab.advance(by: .seconds(11))
        let other = ServerID(service: .virtual(Endpoint("198.51.100.11:80")!, .tcp), server: Lab.server(11))
        let key = try #require(lab.daemon.sharing.leader[other])
        #expect(key == Lab.id(11))
        #expect(lab.daemon.scheduler.interval(key) == .milliseconds(500))
        #expect(lab.daemon.scheduler.interval(Lab.id(12)) == .seconds(5))
        // 203.0.113.11 every 500 ms from its first failing probe on, 203.0.113.12 every 5 s.
        func gaps(_ address: String) -> [Int] {
            let starts = Self.starts(lab).enumerated().filter { lab.engine.started[$0.offset].address == address }
            return zip(starts.dropFirst(), starts).map { $0.element - $1.element }
        }
        let steady = gaps("203.0.113.12")
        #expect(steady.count >= 2 && steady.allSatisfy { $0 == 5_000 }, "\(steady)")
        let fast = gaps("203.0.113.11").drop { $0 == 5_000 }
        #expect(fast.count >= 12 && fast.allSatisfy { $0 == 500 }, "\(gaps("203.0.113.11"))")
    }
}
