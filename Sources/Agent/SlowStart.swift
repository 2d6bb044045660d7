/// The slow-start ramp of a restored weight: weight 1 at once, then up to 10 equal steps, reaching the configured
/// weight exactly `duration` after the restore.
struct SlowStart: Hashable, Sendable {
    static let maxSteps = 10

    let start: AgentTime
    let duration: Duration
    let target: Int

    /// Increments after the first step: one per weight unit, at most `maxSteps`.
    var steps: Int { min(target - 1, Self.maxSteps) }

    /// The step in force at `now` (0 ... steps).
    func step(at now: AgentTime) -> Int {
        guard now < start + duration else { return steps }
        return Int(max(0, nanoseconds(now - start)) * Int64(steps) / nanoseconds(duration))
    }

    func weight(step: Int) -> Int { 1 + (target - 1) * step / steps }

    /// When the step after `step` begins; nil once the ramp is complete.
    func time(of step: Int) -> AgentTime? {
        guard step <= steps else { return nil }
        let total = nanoseconds(duration) * Int64(step)
        return start + .nanoseconds((total + Int64(steps) - 1) / Int64(steps))  // rounded up: step(at:) agrees
    }

    /// Whether `target` and `duration` call for a ramp at all.
    static func applies(target: Int, duration: Duration) -> Bool { target > 1 && duration > .zero }
}

/// Whole nanoseconds of a duration; drcheck's durations are far below Int64's 292 years.
func nanoseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
}
