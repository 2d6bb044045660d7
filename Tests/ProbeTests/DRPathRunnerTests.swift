import EventLoop
import Primitives
import Testing

@testable import Probe

/// dr mode's pair of probes: the RIP probe starts when the DR probe fails or is slow, within the DR probe's deadline,
/// and the verdict never waits longer than that deadline.
struct DRPathRunnerTests {
    private let clock = FakeClock()
    private let engine: FakeRunner
    private let runner: DRPathRunner<FakeClock, FakeRunner>
    private let results = Box<[ProbeResult]>([])
    private let check: DRPathCheck

    init() throws {
        let engine = FakeRunner(clock: clock)
        self.engine = engine
        // The judge names both classes, so each test sees which results it was given.
        runner = DRPathRunner(clock: clock, engine: engine) { _, dr, rip, _ in
            ProbeResult(.drPath, duration: dr.duration, detail: "\(dr.probeClass.rawValue)/\(rip.probeClass.rawValue)")
        }
        check = DRPathCheck(
            try NetworkCheck(address: IPAddress("198.51.100.33")!, port: 8000, mark: 0x4452_0001),
            atRIP: try NetworkCheck(address: IPAddress("203.0.113.21")!, port: 8000))
    }

    private func start(_ check: DRPathCheck) throws {
        _ = try runner.start(check) { [results] in results.value.append($0) }
    }

    /// Where each probe went and with what timeout, and when it started (offsets from the clock's start).
    private var started: [String] {
        engine.started.map { "\($0.check.address) \($0.check.timeout) at \($0.at - clock.start)" }
    }

    @Test func aDRProbeThatPassesSoonCostsNoRIPProbe() throws {
        try start(check)
        clock.advance(to: .milliseconds(20))
        engine.finish(0)
        clock.advance(to: .seconds(2))
        #expect(started == ["198.51.100.33 1.0 seconds at 0.0 seconds"])
        #expect(results.value.map(\.probeClass) == [.ok])
        #expect(clock.pendingTimers == 0)
    }

    @Test func aSlowDRProbeGetsItsRIPProbeAtAQuarterOfTheTimeoutWithTheRestOfTheDeadline() throws {
        try start(check)
        clock.advance(to: .milliseconds(250))
        engine.finish(1)
        #expect(results.value.isEmpty)
        clock.advance(to: .seconds(1))
        engine.finish(0, .timeout)
        #expect(
            started == ["198.51.100.33 1.0 seconds at 0.0 seconds", "203.0.113.21 0.75 seconds at 0.25 seconds"])
        #expect(results.value.map(\.detail) == ["timeout/ok"])
    }

    @Test func aDRProbeThatFailsAtOnceStartsTheRIPProbeWithWhatIsLeft() throws {
        try start(check)
        clock.advance(to: .milliseconds(10))
        engine.finish(0, .connectRefused)
        #expect(
            started == ["198.51.100.33 1.0 seconds at 0.0 seconds", "203.0.113.21 0.99 seconds at 0.01 seconds"])
        #expect(clock.pendingTimers == 0)
        clock.advance(to: .seconds(1))
        engine.finish(1, .timeout)
        #expect(results.value.map(\.detail) == ["connect_refused/timeout"])
    }

    @Test func aDRProbeThatPassesLateCancelsTheRIPProbe() throws {
        try start(check)
        clock.advance(to: .milliseconds(600))
        engine.finish(0)
        #expect(engine.cancelled == [1])
        #expect(results.value.map(\.probeClass) == [.ok])
    }

    @Test func theVerdictWaitsForTheRIPProbeStillRunningWhenTheDRProbeFails() throws {
        try start(check)
        clock.advance(to: .milliseconds(500))
        engine.finish(0, .reset)
        #expect(results.value.isEmpty)
        engine.finish(1, .httpStatus)
        #expect(results.value.map(\.detail) == ["reset/http_status"])
    }

    @Test func withoutARIPCheckTheDRProbeIsTheVerdict() throws {
        try start(DRPathCheck(check.viaVIP))
        clock.advance(to: .seconds(1))
        engine.finish(0, .timeout)
        #expect(engine.started.count == 1)
        #expect(results.value.map(\.probeClass) == [.timeout])
    }

    @Test func cancellingStopsBothProbesAndTheTimer() throws {
        let probe = try runner.start(check) { [results] in results.value.append($0) }
        clock.advance(to: .milliseconds(100))
        runner.cancel(probe)
        clock.advance(to: .seconds(1))
        #expect(engine.cancelled == [0])
        #expect(engine.started.count == 1)
        #expect(clock.pendingTimers == 0)
        #expect(results.value.isEmpty)
    }
}
