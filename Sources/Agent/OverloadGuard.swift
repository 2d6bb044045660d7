/// Keeps the checker's own overload from reading as failed servers, and says when the checker is overloaded.
///
/// The rules (README.md "Overload"):
/// - A timeout is evidence against a server only when the loop ran on time while the probe was under way: its worst
///   lateness then was at most a quarter of the probe's timeout, so the server had three quarters of it at least.
///   Otherwise the reply may have arrived and waited for a loop busy elsewhere (its CPU short, a hog beside it), and
///   the timeout counts neither way (`ProbeResult.inconclusive`).
/// - The checker is overloaded while probes start late (more than a quarter of their interval after they were due,
///   or waiting for room under the in-flight cap) or timeouts are discounted; it is over once `calm` has passed
///   without either. Each change is reported once.
/// - The achieved interval is the mean time between two starts of the same target over the last `window`.
public struct OverloadGuard: Sendable {
    public enum Change: Equatable, Sendable {
        case began(Summary)
        case ended(Summary)
    }

    /// What the last window looked like, for the log line and the metrics.
    public struct Summary: Equatable, Sendable {
        /// Mean time between two starts of one target, and the mean configured interval of the same probes.
        public var achievedInterval: Duration?
        public var configuredInterval: Duration?
        public var worstStartDelay: Duration
        public var discounted: Int
    }

    public static let window = Duration.seconds(10)
    public static let calm = Duration.seconds(10)

    public private(set) var overloaded = false
    /// The last full window's summary (its figures are exported).
    public private(set) var last = Summary(worstStartDelay: .zero, discounted: 0)
    private var current = Tally()
    private var windowStart: AgentTime?
    private var lastTrouble: AgentTime?

    private struct Tally {
        var achieved = Duration.zero
        var configured = Duration.zero
        var intervals = 0
        var worstStartDelay = Duration.zero
        var discounted = 0

        var summary: Summary {
            Summary(
                achievedInterval: intervals > 0 ? achieved / intervals : nil,
                configuredInterval: intervals > 0 ? configured / intervals : nil,
                worstStartDelay: worstStartDelay, discounted: discounted)
        }
    }

    public init() {}

    /// Whether a probe that timed out after `timeout`, while the loop was at worst `lateness` late, counts against
    /// its server.
    public static func trusts(timeout: Duration, lateness: Duration) -> Bool {
        lateness <= timeout / 4
    }

    /// A probe started `delay` after it was due (`waited`: it waited for room under the in-flight cap), its target's
    /// previous start `sincePrevious` earlier (nil for its first), on an `interval` schedule.
    /// The changes it makes, in order: an overload may end (calm lasted) and begin again at the same call.
    public mutating func started(
        delay: Duration, waited: Bool, sincePrevious: Duration?, interval: Duration, at now: AgentTime
    ) -> [Change] {
        let ended = roll(at: now)
        if let sincePrevious {
            current.achieved += sincePrevious
            current.configured += interval
            current.intervals += 1
        }
        current.worstStartDelay = max(current.worstStartDelay, delay)
        guard waited || delay > interval / 4 else { return ended.map { [$0] } ?? [] }
        return [ended, trouble(at: now)].compactMap { $0 }
    }

    /// A timeout was not counted against its server (the loop was late during it). The changes, as `started`.
    public mutating func discounted(at now: AgentTime) -> [Change] {
        let ended = roll(at: now)
        current.discounted += 1
        return [ended, trouble(at: now)].compactMap { $0 }
    }

    /// Ends the overload once it has been calm long enough; call it now and then even without probes.
    public mutating func tick(at now: AgentTime) -> Change? {
        roll(at: now)
    }

    private mutating func trouble(at now: AgentTime) -> Change? {
        lastTrouble = now
        guard !overloaded else { return nil }
        overloaded = true
        return .began(current.summary)
    }

    /// Closes the window when it is over, and the overload when calm has lasted.
    private mutating func roll(at now: AgentTime) -> Change? {
        guard let start = windowStart else {
            windowStart = now
            return nil
        }
        if now - start >= Self.window {
            last = current.summary
            current = Tally()
            windowStart = now
        }
        guard overloaded, let lastTrouble, now - lastTrouble >= Self.calm else { return nil }
        overloaded = false
        return .ended(last)
    }
}
