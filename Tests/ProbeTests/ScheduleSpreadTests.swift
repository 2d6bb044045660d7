import EventLoop
import Primitives
import Testing

@testable import Probe

/// A pool's probes spread over the interval from the first round on, and jitter that moves rounds without drift.
struct ScheduleSpreadTests {
    static let check = try! NetworkCheck(address: IPAddress("203.0.113.21")!, port: 80)

    /// The starts at each 1/128 s grid point over the first interval of `count` targets, its end included (a start
    /// due after the last grid point before it is rounded up to it).
    func firstRoundSlots(_ count: Int, jitter: UInt8 = 0) -> [Int: Int] {
        let clock = FakeClock()
        let runner = FakeRunner(clock: clock)
        let scheduler = ProbeScheduler<Int, FakeClock, FakeRunner>(clock: clock, runner: runner) { _ in }
        for key in 0..<count { scheduler.set(key, check: Self.check, interval: .seconds(1), jitter: jitter) }
        clock.advance(to: .seconds(1))
        var slots: [Int: Int] = [:]
        for start in runner.started {
            slots[Int((start.at.nanoseconds - clock.start.nanoseconds) / 7_812_500), default: 0] += 1
        }
        return slots
    }

    @Test func aThousandTargetsStartEvenlyOverTheFirstInterval() {
        let slots = firstRoundSlots(1000)
        #expect(slots.values.reduce(0, +) == 1000)
        // 1,000 over 128 slots is 7.8 a slot: each of them holds 6 to 9 (the first target alone starts at 0).
        #expect((1...128).map { slots[$0] ?? 0 }.allSatisfy { (6...9).contains($0) })
        #expect(slots[0] == 1)
    }

    @Test func jitterMovesEachRoundWithinItsShareAndKeepsTheMean() {
        let interval = Duration.seconds(10)
        let moves = (0..<10_000).map { roundJitter(0xD4C, round: $0, interval: interval, percent: 20) }
        #expect(moves.allSatisfy { $0 >= .seconds(-2) && $0 <= .seconds(2) })
        #expect(Set(moves).count > 9_000)
        let mean = moves.reduce(Duration.zero, +) / moves.count
        #expect(mean > .milliseconds(-50) && mean < .milliseconds(50))
        #expect(roundJitter(0xD4C, round: 7, interval: interval, percent: 0) == .zero)
        // Another seed (another director): other moves for the same rounds.
        let other = (0..<100).map { roundJitter(0xD4D, round: $0, interval: interval, percent: 20) }
        #expect(other != Array(moves.prefix(100)))
    }

    @Test func aJitteredScheduleStaysInOrderAndOnItsInterval() {
        let clock = FakeClock()
        let runner = FakeRunner(clock: clock)
        let scheduler = ProbeScheduler<Int, FakeClock, FakeRunner>(clock: clock, runner: runner) { _ in }
        scheduler.set(1, check: Self.check, interval: .seconds(1), jitter: 25)
        for step in 1...200 {
            clock.advance(to: .milliseconds(step * 100))
            runner.finishAll()
        }
        let starts = runner.started.map(\.at.nanoseconds)
        #expect(starts.count >= 19 && starts.count <= 21)
        // Rounds never cross: each at least half an interval after the one before.
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 >= 500_000_000 })
    }
}
