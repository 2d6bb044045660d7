import Agent

/// One log line for a turn with many transitions or weight writes (a switch failing under hundreds of servers):
/// counts by kind, with the probe classes of the downs.
enum TurnSummary {
    static func transitions(_ transitions: [Transition]) -> String {
        var counts: [String: Int] = [:]
        for transition in transitions {
            counts[kind(transition.kind), default: 0] += 1
        }
        return "\(transitions.count) transitions in one turn: \(listing(counts))"
    }

    static func weights(_ changes: [WeightChange]) -> String {
        var counts: [String: Int] = [:]
        for change in changes {
            counts[reason(change.reason), default: 0] += 1
        }
        return "\(changes.count) weight changes: \(listing(counts))"
    }

    private static func listing(_ counts: [String: Int]) -> String {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    private static func kind(_ kind: Transition.Kind) -> String {
        switch kind {
        case .appeared: "new"
        case .disappeared: "gone"
        case .down(let probeClass): "down (\(probeClass))"
        case .up: "up"
        case .adopted: "weight adopted"
        case .administrativeDrain: "drained by an operator"
        case .maintenance: "drained with drcheck drain"
        case .handedBack: "undrained"
        case .panic: "panic"
        case .panicOver: "panic over"
        case .flapping: "flapping"
        case .settled: "no longer flapping"
        case .fleetDown: "failing at the fleet"
        case .fleetAgain: "fleet agrees again"
        }
    }

    private static func reason(_ reason: WeightChange.Reason) -> String {
        switch reason {
        case .drain(let probeClass): "drain (\(probeClass))"
        case .restore: "restore"
        case .slowStart: "slow start step"
        case .reconfigured: "configured weight"
        case .reported: "reported weight"
        case .maintenance: "drcheck drain"
        case .sorryServer: "sorry server"
        }
    }
}
