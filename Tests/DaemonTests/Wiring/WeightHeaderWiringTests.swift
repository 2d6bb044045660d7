import Agent
import Primitives
import Probe
import Testing

@testable import Daemon

/// `weight_header` through the daemon, on virtual time: the weights a server's header asks for are written, a value
/// not understood is counted on every probe and logged once, and the configured weight stays.
@Suite struct WeightHeaderWiringTests {
    typealias Lab = DaemonHarness

    static func answer(_ header: String?) -> ProbeResult {
        var result = ProbeResult(.ok, duration: .milliseconds(1), status: 200)
        result.feedback = header
        return result
    }

    @Test func theHeaderSetsTheWeightAndGarbageIsCountedAndLoggedOnce() throws {
        let lab = try Lab(
            check: "interval: 1s, timeout: 500ms, mode: rip, weight_header: X-Weight", servers: [11, 12],
            weight: 4)
        try lab.firstRound()
        _ = lab.log.take()
        lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? Self.answer("50%") : Self.answer(nil) }
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes == [FakeIPVS.Write(service: Lab.service, server: Lab.server(11), weight: 2)])
        #expect(lab.log.take() == [DaemonWiringTests.line(5, 11, "weight 4 -> 2, weight reported by its check")])
        lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? Self.answer("lots") : Self.answer(nil) }
        try lab.advance(by: .seconds(3))
        #expect(lab.ipvs.writes.map(\.weight) == [2, 4])
        #expect(lab.metric("drcheck_feedback_invalid_total") == "3")
        #expect(
            lab.log.take() == [
                #"<4>198.51.100.10:80/tcp 203.0.113.11:80: X-Weight "lots" is none of N%, drain or up: ignored, its "#
                    + "configured weight kept",
                DaemonWiringTests.line(5, 11, "weight 2 -> 4, weight reported by its check"),
            ])
        lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? Self.answer("drain") : Self.answer(nil) }
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes.map(\.weight) == [2, 4, 0])
        #expect(
            lab.log.take() == [
                "<5>198.51.100.10:80/tcp 203.0.113.11:80: X-Weight understood again",
                DaemonWiringTests.line(5, 11, "weight 4 -> 0, weight reported by its check"),
            ])
        #expect(lab.daemon.statusDocument().services.first?.realServers.first?.healthy == true)
    }

    /// The verdict `--once` takes too: the header of a passing probe, never of a failing one.
    @Test func aPassingProbesHeaderIsItsVerdict() {
        #expect(ProbeVerdict(Self.answer("50%")) == .scaled(percent: 50))
        #expect(ProbeVerdict(Self.answer("drain")) == .reported(weight: 0))
        #expect(ProbeVerdict(Self.answer("up")) == .success)
        #expect(ProbeVerdict(Self.answer("garbage")) == .success)
        #expect(ProbeVerdict(Self.answer(nil)) == .success)
        var failing = ProbeResult(.httpStatus, duration: .milliseconds(1), status: 503)
        failing.feedback = "50%"
        #expect(ProbeVerdict(failing) == .failure("http_status"))
    }
}
