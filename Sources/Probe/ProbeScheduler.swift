import EventLoop

/// The scheduler the agent uses: probes on the event loop through libcurl.
public typealias LoopProbeScheduler<Key: Hashable> = ProbeScheduler<Key, EventLoop, ProbeEngine>

/// Runs each target's check every interval. Starts are spread over the interval (the k-th target added starts at
/// the golden-ratio fraction frac(k·0.618…) of it, so any number of targets is evenly spread); the n-th probe of a
/// target is due at anchor + n·interval whatever earlier probes took (no drift), rounded up to a grid of 1/128 s (a
/// sixty-fourth of the interval if that is shorter) shared by all targets: the loop wakes once for the starts of
/// several targets, and each wake costs system calls. The grid is no multiple of a kernel tick (1, 4 or 10 ms): CPU
/// time a kernel accounts by sampling at its tick (User-Mode Linux does) would otherwise miss work in step with it.
/// At most one probe per target is in flight. A round that finds the previous probe still running starts as soon as
/// that probe ends (a probe as long as its interval must not cost a round, and detection a whole interval); further
/// rounds it overlaps are skipped and counted.
///
/// At most `maxInFlight` probes run at once. A round due beyond that waits, in the order rounds fell due, for a probe
/// to end: overload then shows as later starts (each record's lateness) and longer real intervals, never as probes
/// that share too little CPU or too few descriptors and time out.
public final class ProbeScheduler<Key: Hashable, Clock: ScheduleClock, Runner: ProbeRunner> {
    /// One finished probe, with when it was due and when it really started (the loop's lateness).
    public struct Record {
        public var key: Key
        public var check: Runner.Check
        public var result: ProbeResult
        public var due: Monotonic
        public var started: Monotonic
        /// When the target's previous probe started (nil for its first): the interval it really got.
        public var previousStart: Monotonic?
        /// It waited for room under `maxInFlight` before it started.
        public var waited = false
        /// The target's interval when it started.
        public var interval: Duration
        public var lateness: Duration { started - due }
    }

    private final class Target {
        var check: Runner.Check
        var interval: Duration
        /// This target's offset in its interval, as a fraction of 2^64.
        let phase: UInt64
        var anchor: Monotonic
        /// The round whose probe is due next: due at anchor + round·interval.
        var round = 0
        var timer: Clock.Timer?
        var probe: Runner.Probe?
        /// Its due round waits for room under `maxInFlight`.
        var waiting = false
        /// A round came due while its probe ran: it starts when that probe ends.
        var owed = false
        var lastStart: Monotonic?
        var skipped = 0
        /// Each round moved by up to this percentage of the interval, either way (`interval_jitter`).
        var jitter: UInt8 = 0
        /// Mixed into the rounds' jitter: the scheduler's own, so that directors with one config differ.
        let seed: UInt64

        init(check: Runner.Check, interval: Duration, phase: UInt64, seed: UInt64, now: Monotonic) {
            self.check = check
            self.interval = interval
            self.phase = phase
            self.seed = seed
            anchor = now + Target.offset(phase, in: interval)
        }

        var due: Monotonic {
            let exact = (anchor + interval * round).nanoseconds
            let moved = roundJitter(seed ^ phase, round: round, interval: interval, percent: jitter).nanosecondsClamped
            let jittered = moved < 0 ? exact - min(exact, UInt64(-moved)) : exact + UInt64(moved)
            let step = Target.grid(interval)
            return Monotonic(nanoseconds: (jittered + step - 1) / step * step)
        }

        func reanchor(_ interval: Duration, now: Monotonic) {
            self.interval = interval
            anchor = now + Target.offset(phase, in: interval)
            round = 0
        }

        /// The grid due times fall on, in nanoseconds.
        static func grid(_ interval: Duration) -> UInt64 {
            max(1, min(7_812_500, UInt64(interval.nanosecondsClamped / 64)))
        }

        static func offset(_ phase: UInt64, in interval: Duration) -> Duration {
            .nanoseconds(Int64(UInt64(interval.nanosecondsClamped).multipliedFullWidth(by: phase).high))
        }
    }

    private let clock: Clock
    private let runner: Runner
    private let onResult: (Record) -> Void
    private var targets: [Key: Target] = [:]
    private var added: UInt64 = 0
    private let seed = UInt64.random(in: .min ... .max)
    /// Targets whose due round waits for room, oldest first (`head` is the next one; entries of targets removed or
    /// already started are skipped).
    private var queue: [Key] = []
    private var head = 0

    /// The most probes in flight at once (the daemon sizes it to its descriptors).
    public var maxInFlight = Int.max {
        didSet { admit() }
    }
    /// Probes in flight now.
    public private(set) var running = 0
    /// Rounds due that wait for room under `maxInFlight` now.
    public private(set) var waiting = 0

    /// Rounds skipped over all targets: the previous probe was still in flight, or the loop overslept a due time.
    public private(set) var skipped = 0

    public init(clock: Clock, runner: Runner, onResult: @escaping (Record) -> Void) {
        self.clock = clock
        self.runner = runner
        self.onResult = onResult
    }

    /// Its timers and probes refer back to it: they go with it.
    deinit {
        queue.removeAll()
        head = 0
        for key in Array(targets.keys) { remove(key) }
    }

    public var count: Int { targets.count }

    public func contains(_ key: Key) -> Bool { targets[key] != nil }

    /// Adds a target or changes one. A changed check is used from the next round; a changed interval re-anchors the
    /// target's schedule at its phase of the new interval. A probe in flight finishes either way.
    /// `jitter`: each round moved by up to that percentage of the interval either way (at most 25), by a hash of
    /// the round, so that the probes of a pool, and of directors probing the same servers, do not fall into step.
    public func set(_ key: Key, check: Runner.Check, interval: Duration, jitter: UInt8 = 0) {
        precondition(interval > .zero, "a probe interval must be positive")
        precondition(jitter <= 25, "a jitter of at most 25% keeps rounds in order")
        if let target = targets[key] {
            target.check = check
            guard target.interval != interval || target.jitter != jitter else { return }
            target.jitter = jitter
            if target.interval != interval { target.reanchor(interval, now: clock.now()) }
            arm(key, target)
            return
        }
        // Golden-ratio (Weyl) sequence: each new phase falls in the largest gap left by the earlier ones.
        let phase = added &* 0x9E37_79B9_7F4A_7C15
        added += 1
        let target = Target(check: check, interval: interval, phase: phase, seed: seed, now: clock.now())
        target.jitter = jitter
        targets[key] = target
        arm(key, target)
    }

    /// Removes a target, abandoning its probe in flight (no record is delivered for it).
    public func remove(_ key: Key) {
        guard let target = targets.removeValue(forKey: key) else { return }
        if let timer = target.timer { clock.cancel(timer) }
        if target.waiting { waiting -= 1 }
        if let probe = target.probe {
            runner.cancel(probe)
            running -= 1
            admit()
        }
    }

    /// Changes a target's interval from its last probe on (the server's pace: `fast_interval`, `down_interval`):
    /// its next round is due `interval` after that probe started, or now if that is past (when the probe still runs,
    /// as soon as it ends), so that a server in doubt is probed again soon and a late round is not one started late.
    /// A target not probed yet is re-anchored at its phase of the new interval, as `set` does.
    public func pace(_ key: Key, interval: Duration) {
        precondition(interval > .zero, "a probe interval must be positive")
        guard let target = targets[key], target.interval != interval else { return }
        let now = clock.now()
        if let last = target.lastStart {
            target.interval = interval
            target.anchor = max(last, now + (.zero - interval))
            target.round = 1
        } else {
            target.reanchor(interval, now: now)
        }
        // A round waiting for room keeps its place; its successor is armed when it starts.
        if !target.waiting { arm(key, target) }
    }

    public func nextDue(_ key: Key) -> Monotonic? { targets[key]?.due }

    public func interval(_ key: Key) -> Duration? { targets[key]?.interval }

    public func skipped(_ key: Key) -> Int? { targets[key]?.skipped }

    private func arm(_ key: Key, _ target: Target) {
        if let timer = target.timer { clock.cancel(timer) }
        target.timer = clock.schedule(at: target.due) { [unowned self] in roundDue(key) }
    }

    private func roundDue(_ key: Key) {
        guard let target = targets[key] else { return }
        target.timer = nil
        let now = clock.now()
        if target.probe != nil, !target.owed {
            target.owed = true
        } else if target.probe != nil || target.waiting {
            countSkipped(target, 1)
        } else if running < maxInFlight {
            launch(key, target, due: target.due, now: now)
        } else {
            // No room: the round waits, and its successor is armed once it starts.
            target.waiting = true
            waiting += 1
            queue.append(key)
            return
        }
        armNext(key, target, now: now)
    }

    /// The next round is the first one due after now; rounds the loop overslept or a wait for room took are
    /// skipped, not run late.
    private func armNext(_ key: Key, _ target: Target, now: Monotonic) {
        let behind = Int((now - target.anchor).nanosecondsClamped / target.interval.nanosecondsClamped)
        let next = max(target.round + 1, behind + 1)
        countSkipped(target, next - target.round - 1)
        target.round = next
        arm(key, target)
    }

    /// Starts waiting rounds, oldest first, while there is room.
    private func admit() {
        while running < maxInFlight, head < queue.count {
            let key = queue[head]
            head += 1
            guard let target = targets[key], target.waiting else { continue }
            target.waiting = false
            waiting -= 1
            let now = clock.now()
            launch(key, target, due: target.due, now: now, waited: true)
            armNext(key, target, now: now)
        }
        if head == queue.count || head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    private func launch(_ key: Key, _ target: Target, due: Monotonic, now: Monotonic, waited: Bool = false) {
        let check = target.check
        let interval = target.interval
        let previous = target.lastStart
        target.lastStart = now
        do {
            target.probe = try runner.start(check) { [weak self, weak target] result in
                // A removed target's probe is cancelled; a runner that delivers it anyway is ignored.
                guard let self, let target, targets[key] === target else { return }
                target.probe = nil
                running -= 1
                onResult(
                    Record(
                        key: key, check: check, result: result, due: due, started: now, previousStart: previous,
                        waited: waited, interval: interval))
                startOwed(key, target)
                admit()
            }
            running += 1
        } catch {
            let result = ProbeResult(.connectError, duration: .zero, detail: error.description)
            onResult(
                Record(
                    key: key, check: check, result: result, due: due, started: now, previousStart: previous,
                    waited: waited, interval: interval))
        }
    }

    /// Starts the round that came due while `target`'s probe ran, unless rounds waiting for room come first (then
    /// it is skipped). It is due now: the probe's own length, not the loop, delayed it.
    private func startOwed(_ key: Key, _ target: Target) {
        guard target.owed else { return }
        target.owed = false
        // onResult may have removed or replaced the target, or started nothing else: it must still be this one, idle.
        guard targets[key] === target, target.probe == nil, !target.waiting else { return }
        guard running < maxInFlight, head == queue.count else { return countSkipped(target, 1) }
        let now = clock.now()
        launch(key, target, due: now, now: now)
    }

    private func countSkipped(_ target: Target, _ rounds: Int) {
        target.skipped += rounds
        skipped += rounds
    }
}

/// How far round `round` of a target moves from its even schedule: up to `percent` of `interval` either way, by a
/// hash of `key` and the round (SplitMix64's finaliser), spread evenly, so that over many rounds the schedule keeps
/// its mean (no drift).
func roundJitter(_ key: UInt64, round: Int, interval: Duration, percent: UInt8) -> Duration {
    guard percent > 0 else { return .zero }
    var z = key &+ UInt64(truncatingIfNeeded: round) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    let fraction = Double(z >> 11) / Double(1 << 53) * 2 - 1
    return .nanoseconds(Int64(Double(interval.nanosecondsClamped) * Double(percent) / 100 * fraction))
}
