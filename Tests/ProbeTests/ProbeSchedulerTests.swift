import EventLoop
import Primitives
import Testing

@testable import Probe

struct ProbeSchedulerTests {
    private let clock = FakeClock()
    private let runner: FakeRunner
    private let scheduler: ProbeScheduler<Int, FakeClock, FakeRunner>
    private let records: Box<[ProbeScheduler<Int, FakeClock, FakeRunner>.Record]>

    init() {
        runner = FakeRunner(clock: clock)
        let records = Box<[ProbeScheduler<Int, FakeClock, FakeRunner>.Record]>([])
        self.records = records
        scheduler = ProbeScheduler(clock: clock, runner: runner) { records.value.append($0) }
    }

    private func check(_ path: String = "/") throws -> NetworkCheck {
        try NetworkCheck(address: IPAddress("203.0.113.21")!, port: 8000, path: path)
    }

    /// Start times of the probes run so far, as offsets from the clock's start.
    private var starts: [Duration] { runner.started.map { $0.at - clock.start } }

    @Test func startsAreSpreadOverTheInterval() throws {
        for key in 0..<10 { scheduler.set(key, check: try check(), interval: .seconds(1)) }
        clock.advance(to: .milliseconds(999))
        let offsets = starts.sorted()
        #expect(offsets.count == 10)
        #expect(offsets == (0..<10).map { onGrid(phase($0)) }.sorted())
        #expect(offsets[1] == .microseconds(93_750))
        let gaps = zip(offsets.dropFirst(), offsets).map { $0 - $1 } + [.seconds(1) - offsets.last!]
        #expect(gaps.allSatisfy { $0 > .zero && $0 < .milliseconds(200) })
    }

    @Test func theNthProbeIsDueAtStartPlusNIntervalsWhateverProbesTake() throws {
        scheduler.set(7, check: try check(), interval: .seconds(1))
        for step in 1...100 {
            clock.advance(to: .milliseconds(100 * step))
            // Each probe takes 700 ms.
            for probe in runner.inFlight where clock.now() - runner.started[probe].at >= .milliseconds(700) {
                runner.finish(probe)
            }
        }
        #expect(starts == (0...10).map { Duration.seconds($0) })
        #expect(records.value.count == 10)
        #expect(records.value.allSatisfy { $0.lateness == .zero && $0.key == 7 })
        #expect(scheduler.skipped == 0)
    }

    @Test func aLateStartDoesNotShiftLaterRounds() throws {
        scheduler.set(1, check: try check(), interval: .seconds(1))
        clock.oversleep(to: .milliseconds(250))
        runner.finishAll()
        clock.advance(to: .milliseconds(1_500))
        runner.finishAll()
        #expect(starts == [.milliseconds(250), .seconds(1)])
        #expect(records.value.map(\.lateness) == [.milliseconds(250), .zero])
    }

    @Test func roundsTheLoopOversleptAreSkippedNotRunLate() throws {
        scheduler.set(1, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(10))
        runner.finishAll()
        clock.oversleep(to: .milliseconds(3_500))
        runner.finishAll()
        #expect(starts == [.zero, .milliseconds(3_500)])
        #expect(scheduler.skipped == 2)
        #expect(scheduler.nextDue(1) == clock.start + .seconds(4))
    }

    @Test func aRoundDueWhileTheProbeRunsStartsWhenItEndsAndLaterOnesAreSkipped() throws {
        scheduler.set(1, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(3_500))
        #expect(starts == [.zero])
        #expect(scheduler.skipped == 2)
        #expect(scheduler.skipped(1) == 2)
        runner.finishAll()
        #expect(starts == [.zero, .milliseconds(3_500)])
        #expect(records.value.map(\.lateness) == [.zero])
        runner.finishAll()
        clock.advance(to: .milliseconds(4_500))
        #expect(starts == [.zero, .milliseconds(3_500), .seconds(4)])
        #expect(records.value.map(\.lateness) == [.zero, .zero])
    }

    @Test func aProbeAsLongAsItsIntervalIsFollowedAtOnceByTheNext() throws {
        scheduler.set(1, check: try check(), interval: .seconds(1))
        // Each probe times out 1 s after it starts, just after its next round came due.
        for step in 1...3 {
            clock.advance(to: .seconds(step) + .milliseconds(2 * step))
            runner.finish(step - 1, .timeout)
        }
        #expect(starts == [.zero, .milliseconds(1_002), .milliseconds(2_004), .milliseconds(3_006)])
        #expect(records.value.map(\.result.probeClass) == [.timeout, .timeout, .timeout])
        #expect(records.value.map(\.lateness) == [.zero, .zero, .zero])
        #expect(scheduler.skipped == 0)
    }

    @Test func aRoundOwedToARunningProbeYieldsToRoundsWaitingForRoom() throws {
        scheduler.maxInFlight = 1
        scheduler.set(0, check: try check(key: 0), interval: .seconds(1))
        scheduler.set(1, check: try check(key: 1), interval: .seconds(1))
        clock.advance(to: .milliseconds(1_100))
        runner.finish(0)
        #expect(runner.started.map(\.check.path) == ["/0", "/1"])
        #expect(scheduler.skipped(0) == 1)
    }

    @Test func removingATargetCancelsItsProbeAndTimer() throws {
        scheduler.set(1, check: try check(), interval: .seconds(1))
        scheduler.set(2, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(999))
        scheduler.remove(1)
        #expect(runner.cancelled == [0])
        #expect(!scheduler.contains(1))
        #expect(scheduler.count == 1)
        clock.advance(to: .seconds(5))
        #expect(runner.started.count == 2)
        #expect(records.value.isEmpty)
        scheduler.remove(2)
        #expect(clock.pendingTimers == 0)
    }

    @Test func aSchedulerThatGoesAwayTakesItsTimersAndProbes() throws {
        var scheduler: ProbeScheduler<Int, FakeClock, FakeRunner>? = ProbeScheduler(clock: clock, runner: runner) { _ in
        }
        scheduler?.set(1, check: try check(), interval: .seconds(1))
        scheduler?.set(2, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(100))
        #expect(runner.inFlight == [0])
        scheduler = nil
        #expect(clock.pendingTimers == 0)
        #expect(runner.inFlight == [])
    }

    @Test func aChangedCheckIsUsedFromTheNextRound() throws {
        scheduler.set(1, check: try check("/old"), interval: .seconds(1))
        clock.advance(to: .milliseconds(500))
        scheduler.set(1, check: try check("/new"), interval: .seconds(1))
        runner.finishAll()
        clock.advance(to: .milliseconds(1_500))
        #expect(runner.started.map(\.check.path) == ["/old", "/new"])
        #expect(records.value.map(\.check.path) == ["/old"])
        #expect(starts == [.zero, .seconds(1)])
    }

    @Test func aChangedIntervalReanchorsAtTheTargetsPhase() throws {
        scheduler.set(0, check: try check(), interval: .seconds(1))
        scheduler.set(1, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(1_700))
        scheduler.set(1, check: try check(), interval: .seconds(10))
        #expect(scheduler.nextDue(1) == clock.start + onGrid(.milliseconds(1_700) + .nanoseconds(6_180_339_887)))
    }

    @Test func aProbeThatCannotStartIsReportedAsAResult() throws {
        let failing = FailingRunner()
        var results: [ProbeResult] = []
        let scheduler = ProbeScheduler<Int, FakeClock, FailingRunner>(clock: clock, runner: failing) {
            results.append($0.result)
        }
        scheduler.set(1, check: try check(), interval: .seconds(1))
        clock.advance(to: .milliseconds(1_500))
        #expect(
            results == Array(repeating: ProbeResult(.connectError, duration: .zero, detail: "no handles"), count: 2))
    }

    private func check(key: Int) throws -> NetworkCheck {
        try NetworkCheck(address: IPAddress("203.0.113.21")!, port: 8000, path: "/\(key)")
    }

    // The in-flight cap: rounds beyond it wait in the order they fell due, start as probes end, and show their wait
    // as lateness; nothing is lost or started twice.

    /// The k-th target's offset in a 1 s interval (the scheduler's golden-ratio phases).
    private func phase(_ k: UInt64) -> Duration {
        .nanoseconds(Int64(UInt64(1_000_000_000).multipliedFullWidth(by: k &* 0x9E37_79B9_7F4A_7C15).high))
    }

    /// `offset` from the clock's start (a multiple of the grid) rounded up to the due times' grid.
    private func onGrid(_ offset: Duration, grid: Int64 = 7_812_500) -> Duration {
        .nanoseconds((offset.nanosecondsClamped + grid - 1) / grid * grid)
    }

    @Test func dueTimesAreRoundedUpToAGridWithoutDrift() throws {
        // 1.2345 s: not a multiple of the 1/128 s grid, so each round is rounded on its own (the first target added
        // has phase 0).
        scheduler.set(0, check: try check(), interval: .milliseconds(1_234.5))
        for step in 1...1_300 {
            clock.advance(to: .milliseconds(10 * step))
            runner.finishAll()
        }
        let exact = (0..<11).map { .milliseconds(1_234.5) * $0 }
        #expect(starts == exact.map { onGrid($0) })
        #expect(zip(starts, exact).allSatisfy { $0 >= $1 && $0 - $1 < .nanoseconds(7_812_500) })
        // A short interval has a finer grid, a sixty-fourth of it: the fourth target added, 273 ms into 320 ms.
        for key in 1...3 { scheduler.set(key, check: try check(), interval: .milliseconds(320)) }
        let due = try #require(scheduler.nextDue(3)) - clock.start
        let exactDue = clock.now() - clock.start + phase(3) * 0.32
        #expect(due == onGrid(exactDue, grid: 5_000_000))
        #expect(due != onGrid(exactDue))
    }

    @Test func roundsBeyondTheCapWaitInDueOrderAndStartAsProbesEnd() throws {
        scheduler.maxInFlight = 2
        for key in 0..<5 { scheduler.set(key, check: try check(key: key), interval: .seconds(1)) }
        // Due at 0, 618, 236, 854 and 472 ms: /0 and /2 start, /4, /1 and /3 wait in that order.
        clock.advance(to: .milliseconds(999))
        #expect(runner.started.map(\.check.path) == ["/0", "/2"])
        #expect(scheduler.running == 2)
        #expect(scheduler.waiting == 3)
        clock.advance(to: .milliseconds(1_100))
        runner.finish(0)
        #expect(runner.started.map(\.check.path) == ["/0", "/2", "/4"])
        runner.finish(1)
        runner.finish(2)
        #expect(runner.started.map(\.check.path) == ["/0", "/2", "/4", "/1", "/3"])
        #expect(scheduler.waiting == 0)
        #expect(records.value.map(\.check.path) == ["/0", "/2", "/4"])
        #expect(records.value.map(\.waited) == [false, false, true])
        // /4 was due at 472 ms and started at 1.1 s: its wait is its lateness.
        #expect(records.value[2].lateness == .milliseconds(1_100) - onGrid(phase(4)))
    }

    @Test func aWaitingTargetIsNotStartedTwiceAndItsNextRoundFollowsItsStart() throws {
        scheduler.maxInFlight = 1
        scheduler.set(0, check: try check(key: 0), interval: .seconds(1))
        scheduler.set(1, check: try check(key: 1), interval: .seconds(1))
        // /0 runs for 3.5 s; /1, due at 618 ms, waits all that time.
        clock.advance(to: .milliseconds(3_500))
        #expect(runner.started.map(\.check.path) == ["/0"])
        #expect(scheduler.waiting == 1)
        runner.finish(0)
        for step in 0...120 {
            clock.advance(to: .milliseconds(3_500 + 10 * step))
            runner.finishAll()
        }
        // /1's next round is the first due after its start at 3.5 s: 3.618 s.
        let starts = runner.started.map { ($0.check.path, $0.at - clock.start) }
        #expect(starts.map(\.0) == ["/0", "/1", "/1", "/0", "/1"])
        #expect(
            starts.map(\.1) == [
                .zero, .milliseconds(3_500), .seconds(3) + onGrid(phase(1)), .seconds(4),
                .seconds(4) + onGrid(phase(1)),
            ])
        #expect(scheduler.skipped(0) == 3)
        #expect(scheduler.skipped(1) == 2)
    }

    @Test func removingAWaitingTargetDropsItsRoundAndAddingRoomStartsTheRest() throws {
        scheduler.maxInFlight = 1
        for key in 0..<3 { scheduler.set(key, check: try check(key: key), interval: .seconds(10)) }
        clock.advance(to: .seconds(9))
        #expect(scheduler.waiting == 2)
        scheduler.remove(2)
        scheduler.maxInFlight = 5
        #expect(runner.started.map(\.check.path) == ["/0", "/1"])
        #expect(scheduler.running == 2)
        #expect(scheduler.waiting == 0)
    }

    @Test func recordsCarryThePreviousStart() throws {
        scheduler.set(0, check: try check(key: 0), interval: .seconds(1))
        for step in 1...3 {
            clock.advance(to: .seconds(step) - .milliseconds(1))
            runner.finishAll()
        }
        #expect(records.value.map { $0.previousStart.map { $0 - clock.start } } == [nil, .zero, .seconds(1)])
    }
}

final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

final class FailingRunner: ProbeRunner {
    func start(_ check: NetworkCheck, completion: @escaping (ProbeResult) -> Void) throws(ProbeSetupError) -> Int {
        throw ProbeSetupError(description: "no handles")
    }

    func cancel(_ probe: Int) {}
}
