import Agent
import EventLoop
import Primitives
import Testing

@testable import Daemon

/// How the decision core's events are gathered into turns, on a loop whose clock moves only when the test says.
@Suite struct TurnBatcherTests {
    final class Bench {
        let clock = DaemonHarness.VirtualClock()
        let start: Monotonic
        let loop: EventLoop
        let batcher: TurnBatcher
        /// Each turn: when it ran (ms after the start) and the services of its events.
        var turns: [(at: Int64, services: [String])] = []

        init() throws {
            let clock = clock
            start = clock.now
            loop = try EventLoop(clock: { clock.now })
            batcher = TurnBatcher(loop: loop, origin: start)
            batcher.onTurn = { [unowned self] events in
                let services = events.map { if case .serviceGone(let key) = $0 { "\(key)" } else { "other" } }
                turns.append(((clock.now - start).nanosecondsClamped / 1_000_000, services))
            }
        }

        /// Moves the clock to `ms` after the start, running what comes due on the way at its deadline.
        func run(until ms: Int64) throws { try clock.move(loop, to: start + .milliseconds(ms)) }
    }

    static func gone(_ last: Int) -> AgentEvent { .serviceGone(ServiceKey("198.51.100.\(last):80/tcp")!) }

    @Test func oneLoopTurnsEventsAreDecidedTogetherAndTurnsComeAtMostEvery100ms() throws {
        let bench = try Bench()
        bench.batcher.enqueue(Self.gone(1))
        bench.batcher.enqueue(Self.gone(2))
        try bench.run(until: 0)
        #expect(bench.turns.map(\.at) == [0])
        #expect(bench.turns.map(\.services) == [["198.51.100.1:80/tcp", "198.51.100.2:80/tcp"]])
        try bench.run(until: 30)
        bench.batcher.enqueue(Self.gone(3))
        try bench.run(until: 60)
        bench.batcher.enqueue(Self.gone(4))
        try bench.run(until: 99)
        #expect(bench.turns.count == 1)
        try bench.run(until: 100)
        #expect(bench.turns.map(\.at) == [0, 100])
        #expect(bench.turns.last?.services == ["198.51.100.3:80/tcp", "198.51.100.4:80/tcp"])
        // Long after the last turn, an event is decided at once.
        try bench.run(until: 500)
        bench.batcher.enqueue(Self.gone(5))
        try bench.run(until: 500)
        #expect(bench.turns.map(\.at) == [0, 100, 500])
    }

    @Test func theSoonestWakeUpStandsAndRunsATurnOfWhatIsQueued() throws {
        let bench = try Bench()
        bench.batcher.wake(at: .milliseconds(800))
        bench.batcher.wake(at: .milliseconds(300))
        bench.batcher.wake(at: .milliseconds(600))
        try bench.run(until: 2_000)
        #expect(bench.turns.map(\.at) == [300])
        #expect(bench.turns.map(\.services) == [[]])
        // Once it ran, a later wake-up is taken again.
        bench.batcher.wake(at: .milliseconds(2_500))
        try bench.run(until: 3_000)
        #expect(bench.turns.map(\.at) == [300, 2_500])
    }
}
