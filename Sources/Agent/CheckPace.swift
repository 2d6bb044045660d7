/// How often a server is probed, by where its health stands (`fast_interval`, `down_interval`): in doubt it is
/// probed faster, so that a failing server is drained, and a recovering one restored, `fall - 1` (`rise - 1`) fast
/// intervals after the first probe that showed it, not as many whole intervals later.
public enum CheckPace: Hashable, Sendable {
    /// Up, with no failure counted.
    case steady
    /// Between states: up with failures counted, or down with successes counted.
    case doubt
    /// Down, with no success counted.
    case down
}

/// A check's interval at each pace.
public struct CheckIntervals: Hashable, Sendable {
    public var steady: Duration
    /// nil: `steady`.
    public var fast: Duration?
    public var down: Duration?

    public init(steady: Duration, fast: Duration? = nil, down: Duration? = nil) {
        self.steady = steady
        self.fast = fast
        self.down = down
    }

    public func at(_ pace: CheckPace) -> Duration {
        switch pace {
        case .steady: steady
        case .doubt: fast ?? steady
        case .down: down ?? steady
        }
    }
}

extension CheckSettings {
    public var intervals: CheckIntervals { CheckIntervals(steady: interval, fast: fastInterval, down: downInterval) }
}

extension Reconciler {
    /// Where `id`'s health stands; a server not known yet is steady.
    public func pace(of id: ServerID) -> CheckPace {
        guard let record = state.servers[id] else { return .steady }
        if record.up { return record.failures > 0 ? .doubt : .steady }
        return record.successes > 0 ? .doubt : .down
    }
}
