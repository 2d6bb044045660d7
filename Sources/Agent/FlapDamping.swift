import Glibc

/// `flap_damping`: route-flap damping for a real server's health (BGP's, RFC 2439). Each health change adds 1 to the
/// server's penalty, which halves every `halfLife`; a change that takes it above `suppress` holds the server drained
/// (suppressed) until the penalty decays below `reuse`. A penalty never exceeds `ceiling`, so a suppression ends at
/// most `maxSuppress` after the last change.
public struct FlapDamping: Hashable, Sendable {
    public var halfLife: Duration
    public var suppress: Double
    public var reuse: Double
    public var maxSuppress: Duration

    public init(halfLife: Duration, suppress: Double, reuse: Double, maxSuppress: Duration? = nil) {
        self.halfLife = halfLife
        self.suppress = suppress
        self.reuse = reuse
        self.maxSuppress = maxSuppress ?? halfLife * 4
    }

    /// The penalty that decays to `reuse` in `maxSuppress`.
    public var ceiling: Double { reuse * exp2(maxSuppress / halfLife) }
}

/// One server's flap penalty: its value at its last change, and whether the server is suppressed.
public struct FlapPenalty: Hashable, Sendable {
    public private(set) var value: Double = 0
    public private(set) var at: AgentTime = .zero
    public private(set) var suppressed = false

    public init() {}

    /// The penalty at `now`, decayed since the last change.
    public func value(at now: AgentTime, _ damping: FlapDamping) -> Double {
        value * exp2(-((now - at) / damping.halfLife))
    }

    /// When the penalty decays below `reuse` and the suppression ends, on a whole millisecond (a time finer than
    /// the clock's could never be reached by a turn); nil when not suppressed.
    public func reuseAt(_ damping: FlapDamping) -> AgentTime? {
        guard suppressed else { return nil }
        let milliseconds = (damping.halfLife / .milliseconds(1) * max(0, log2(value / damping.reuse))).rounded(.up)
        return at + .milliseconds(Int64(min(milliseconds, 1e15)))
    }

    /// A health change at `now`: whether it began a suppression.
    mutating func changed(at now: AgentTime, _ damping: FlapDamping) -> Bool {
        value = min(value(at: now, damping) + 1, damping.ceiling)
        at = now
        guard !suppressed, value > damping.suppress else { return false }
        suppressed = true
        return true
    }

    /// Ends the suppression when its time has come: whether it did.
    mutating func settle(at now: AgentTime, _ damping: FlapDamping) -> Bool {
        guard let end = reuseAt(damping), now >= end else { return false }
        suppressed = false
        return true
    }
}
