import EventLoop

@testable import Probe

/// A clock that moves only when the test says, firing timers in deadline order as it passes them.
final class FakeClock: ScheduleClock {
    private(set) var current = Monotonic(nanoseconds: 1_000_000_000_000)
    private var timers: [Int: (deadline: Monotonic, action: () -> Void)] = [:]
    private var nextTimer = 0

    var start: Monotonic { Monotonic(nanoseconds: 1_000_000_000_000) }

    func now() -> Monotonic { current }

    func schedule(at deadline: Monotonic, _ action: @escaping () -> Void) -> Int {
        nextTimer += 1
        timers[nextTimer] = (deadline, action)
        return nextTimer
    }

    func cancel(_ timer: Int) { timers[timer] = nil }

    var pendingTimers: Int { timers.count }

    /// Moves to `start + offset`, firing every timer due on the way at its own deadline.
    func advance(to offset: Duration) {
        let target = start + offset
        while let (id, timer) = timers.filter({ $0.value.deadline <= target }).min(by: { earlier($0, $1) }) {
            timers[id] = nil
            current = max(current, timer.deadline)
            timer.action()
        }
        current = target
    }

    /// Jumps to `start + offset` and fires what is due only then, as a loop that overslept does.
    func oversleep(to offset: Duration) {
        current = start + offset
        let due = timers.filter { $0.value.deadline <= current }.sorted { earlier($0, $1) }
        for (id, timer) in due where timers[id] != nil {
            timers[id] = nil
            timer.action()
        }
    }

    private func earlier(
        _ a: (key: Int, value: (deadline: Monotonic, action: () -> Void)),
        _ b: (key: Int, value: (deadline: Monotonic, action: () -> Void))
    ) -> Bool {
        a.value.deadline != b.value.deadline ? a.value.deadline < b.value.deadline : a.key < b.key
    }
}

/// Records the probes the scheduler starts; the test finishes them when it wants.
final class FakeRunner: ProbeRunner {
    struct Started {
        var check: NetworkCheck
        var at: Monotonic
    }

    private let clock: FakeClock
    private(set) var started: [Started] = []
    private(set) var cancelled: [Int] = []
    private var pending: [Int: (ProbeResult) -> Void] = [:]

    init(clock: FakeClock) { self.clock = clock }

    func start(_ check: NetworkCheck, completion: @escaping (ProbeResult) -> Void) -> Int {
        started.append(Started(check: check, at: clock.now()))
        pending[started.count - 1] = completion
        return started.count - 1
    }

    func cancel(_ probe: Int) {
        cancelled.append(probe)
        pending[probe] = nil
    }

    var inFlight: [Int] { pending.keys.sorted() }

    func finish(_ probe: Int, _ probeClass: ProbeClass = .ok) {
        pending.removeValue(forKey: probe)?(ProbeResult(probeClass, duration: .milliseconds(1), status: 200))
    }

    func finishAll() {
        for probe in inFlight { finish(probe) }
    }
}
