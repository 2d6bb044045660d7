import Exporter
import Primitives
import Probe
import Testing

@testable import Daemon

/// `flap_damping` through the daemon, on virtual time: the log lines, the weight writes, the penalty's series and
/// /status while a server flaps and after it settles.
@Suite struct FlapDampingWiringTests {
    typealias Lab = DaemonHarness

    static let check =
        "interval: 1s, timeout: 500ms, rise: 1, fall: 1, mode: rip, "
        + "flap_damping: {half_life: 10s, suppress: 3, reuse: 1.5}"
    static let refused = ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
    static let ok = ProbeResult(.ok, duration: .milliseconds(1), status: 200)

    @Test func aFlappingServerIsHeldDrainedAndRestoredWhenItsPenaltyDecays() throws {
        let lab = try Lab(check: Self.check, servers: [11, 12])
        try lab.firstRound()
        _ = lab.log.take()
        // 203.0.113.11 fails, passes, fails, passes a second apart: penalties 1, 1.93, 2.80, then 3.62.
        for answer in [Self.refused, Self.ok, Self.refused, Self.ok] {
            lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? answer : Self.ok }
            try lab.advance(by: .seconds(1))
        }
        #expect(lab.ipvs.writes.map(\.weight) == [0, 5, 0])
        let lines = lab.log.take()
        #expect(
            lines.suffix(2) == [
                DaemonWiringTests.line(5, 11, "up (ok)"),
                DaemonWiringTests.line(
                    5, 11, "flapping, penalty 3.62 above suppress 3: held drained for 12s694ms unless it flaps on"),
            ])
        // The series is the penalty decayed to the scrape.
        let flap = try #require(lab.daemon.reconciler.flap(of: Lab.id(11)))
        let penalty = try #require(
            lab.metric("drcheck_real_server_flap_penalty{\(Lab.labels(11))}").flatMap(Double.init))
        #expect(abs(penalty - flap.penalty.value(at: lab.daemon.now(), flap.damping)) < 1e-9)
        #expect(penalty < 3.62 && penalty > 3.3)
        #expect(lab.metric("drcheck_real_server_flap_penalty{\(Lab.labels(12))}") == nil)
        let status = try #require(lab.daemon.statusDocument().services.first?.realServers.first)
        #expect(status.state == "suppressed")
        #expect(status.kernelWeight == 0)
        #expect(status.healthy)
        // It passes from now on: held at 0 until 12.69 s after the last change, then restored.
        try lab.advance(by: .seconds(11))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 5, 0])
        // Its last change came at 4 s or 4.62 s (its phase): restored by 18.9 s.
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 5, 0, 5])
        #expect(
            lab.log.take() == [
                DaemonWiringTests.line(
                    5, 11, "no longer flapping, the penalty decayed below reuse 1.5: back to its checks"),
                DaemonWiringTests.line(5, 11, "weight 0 -> 5, restore"),
            ])
        let after = try #require(lab.metric("drcheck_real_server_flap_penalty{\(Lab.labels(11))}").flatMap(Double.init))
        #expect(after < 1.5)
        #expect(lab.daemon.statusDocument().services.first?.realServers.first?.state == "up")
    }
}
