/// How late the loop ran its timers, as the worst lateness of each 100 ms for the last minute.
///
/// Why: a probe's deadline is judged by libcurl when the loop gets to it. A loop that was held up (its own CPU
/// short, a hog on the director, too much work in one turn) can see a reply that arrived in time only after the
/// deadline, and libcurl then reports a timeout. Whether that timeout is evidence against the server depends on how
/// late the loop was while the probe ran, which this answers.
public struct LatenessHistory: Sendable {
    public static let resolution = Duration.milliseconds(100)
    static let slots = 600
    private static let step = UInt64(resolution.nanosecondsClamped)

    /// The worst lateness of each slot in microseconds, and which 100 ms period the slot holds now.
    private var worst = [UInt32](repeating: 0, count: slots)
    private var period = [UInt64](repeating: .max, count: slots)

    public init() {}

    /// Notes that the loop ran a timer `late` after its deadline, at `now`.
    public mutating func record(_ late: Duration, at now: Monotonic) {
        let current = now.nanoseconds / Self.step
        let slot = Int(current % UInt64(Self.slots))
        if period[slot] != current {
            period[slot] = current
            worst[slot] = 0
        }
        let micros = UInt32(clamping: max(0, late.nanosecondsClamped / 1000))
        if micros > worst[slot] { worst[slot] = micros }
    }

    /// The worst lateness between `start` and `end` (of the 100 ms periods they touch; the last minute at most).
    public func worst(from start: Monotonic, to end: Monotonic) -> Duration {
        let last = end.nanoseconds / Self.step
        let first = max(start.nanoseconds / Self.step, last >= UInt64(Self.slots) ? last - UInt64(Self.slots) + 1 : 0)
        guard first <= last else { return .zero }
        var micros: UInt32 = 0
        for current in first...last {
            let slot = Int(current % UInt64(Self.slots))
            if period[slot] == current, worst[slot] > micros { micros = worst[slot] }
        }
        return .microseconds(micros)
    }
}
