import EventLoop
import Primitives
import Testing

@testable import Probe

/// `ProbeScheduler.pace`: a target's interval changed from its last probe on (`fast_interval`, `down_interval`).
struct SchedulePaceTests {
    private let clock = FakeClock()
    private let runner: FakeRunner
    private let scheduler: ProbeScheduler<Int, FakeClock, FakeRunner>
    private let records: Box<[ProbeScheduler<Int, FakeClock, FakeRunner>.Record]>

    init() throws {
        runner = FakeRunner(clock: clock)
        let records = Box<[ProbeScheduler<Int, FakeClock, FakeRunner>.Record]>([])
        self.records = records
        scheduler = ProbeScheduler(clock: clock, runner: runner) { records.value.append($0) }
        let check = try NetworkCheck(address: IPAddress("203.0.113.21")!, port: 8000, path: "/")
        scheduler.set(0, check: check, interval: .seconds(5))
    }

    private var starts: [Duration] { runner.started.map { $0.at - clock.start } }

    @Test func aFasterPaceMakesTheNextRoundDueThatLongAfterTheLastStartAndSlowerOneFollows() {
        clock.advance(to: .milliseconds(20))
        runner.finishAll()
        // The turn that judged the probe asks for 500 ms, 80 ms after it began.
        clock.advance(to: .milliseconds(80))
        scheduler.pace(0, interval: .milliseconds(500))
        #expect(scheduler.nextDue(0) == clock.start + .milliseconds(500))
        clock.advance(to: .milliseconds(520))
        runner.finishAll()
        clock.advance(to: .milliseconds(1_020))
        runner.finishAll()
        // Back to 5 s after the probe at 1 s: the next round is 5 s after it, none in between.
        clock.advance(to: .milliseconds(1_050))
        scheduler.pace(0, interval: .seconds(5))
        clock.advance(to: .milliseconds(6_500))
        runner.finishAll()
        #expect(starts == [.zero, .milliseconds(500), .seconds(1), .seconds(6)])
        #expect(records.value.map(\.interval) == [.seconds(5), .milliseconds(500), .milliseconds(500), .seconds(5)])
        #expect(records.value.allSatisfy { $0.lateness == .zero })
        #expect(scheduler.skipped == 0)
    }

    @Test func aRoundAlreadyPastStartsNowWithoutLateness() {
        // A probe that took 2 s (a hung server's timeout) asks for 500 ms when it ends: the next starts at once.
        clock.advance(to: .seconds(2))
        runner.finishAll()
        scheduler.pace(0, interval: .milliseconds(500))
        clock.advance(to: .seconds(2))
        #expect(starts == [.zero, .seconds(2)])
        runner.finishAll()
        #expect(records.value.map(\.lateness) == [.zero, .zero])
    }

    @Test func aPaceWhileTheProbeRunsStartsTheNextRoundWhenItEnds() {
        clock.advance(to: .milliseconds(700))
        scheduler.pace(0, interval: .milliseconds(500))
        #expect(starts == [.zero])
        clock.advance(to: .milliseconds(900))
        runner.finishAll()
        #expect(starts == [.zero, .milliseconds(900)])
        #expect(scheduler.skipped == 0)
    }

    @Test func theSamePaceChangesNothingAndATargetNotProbedYetKeepsItsPhase() throws {
        scheduler.pace(0, interval: .seconds(5))
        #expect(scheduler.nextDue(0) == clock.start)
        let check = try NetworkCheck(address: IPAddress("203.0.113.22")!, port: 8000, path: "/")
        scheduler.set(1, check: check, interval: .seconds(5))
        scheduler.pace(1, interval: .seconds(1))
        // The second target's phase, 0.618... of its new interval.
        #expect(scheduler.nextDue(1) == clock.start + .nanoseconds(625_000_000))
        #expect(scheduler.interval(1) == .seconds(1))
        scheduler.pace(7, interval: .seconds(1))
        #expect(scheduler.interval(7) == nil)
    }

    @Test func aRoundWaitingForRoomKeepsItsPlaceAndItsSuccessorFollowsThePace() throws {
        scheduler.maxInFlight = 1
        let check = try NetworkCheck(address: IPAddress("203.0.113.22")!, port: 8000, path: "/")
        scheduler.set(1, check: check, interval: .seconds(5))
        clock.advance(to: .milliseconds(100))
        runner.finishAll()
        // Target 1 starts at 3.09 s (its phase, on the 1/128 s grid) and runs until 6 s; target 0's round due at 5 s waits for room.
        clock.advance(to: .milliseconds(5_500))
        #expect(scheduler.waiting == 1)
        scheduler.pace(0, interval: .milliseconds(500))
        clock.advance(to: .seconds(6))
        runner.finishAll()
        clock.advance(to: .milliseconds(6_400))
        runner.finishAll()
        clock.advance(to: .milliseconds(6_600))
        #expect(starts == [.zero, .nanoseconds(3_093_750_000), .seconds(6), .milliseconds(6_500)])
        // The waiting round, due 500 ms after the first at the new pace, started at 6 s: the round due then is
        // the one the wait cost.
        #expect(scheduler.skipped(0) == 1)
    }
}
