import Primitives

/// Monotonic time as the decision core sees it: the time since an arbitrary origin (the daemon's clock, or a test's).
public typealias AgentTime = Duration

/// One probe's verdict, with its class (e.g. `ok`, `timeout`, `refused`, `status`, `dr_path`).
public enum ProbeVerdict: Hashable, Sendable {
    case success
    /// Passed, and the server reported the weight it should have now (a dynamic exec check).
    case reported(weight: Int)
    /// Passed, and the server asked for this share of its configured weight (`weight_header`).
    case scaled(percent: Int)
    case failure(String)
    /// A failure that is not the server's fault (the director-fault guard): counts neither way, drains nothing.
    case inconclusive(String)

    /// Passed, with or without a reported weight.
    public var passed: Bool {
        switch self {
        case .success, .reported, .scaled: true
        case .failure, .inconclusive: false
        }
    }

    /// Counted against the server.
    public var failed: Bool {
        if case .failure = self { return true }
        return false
    }

    public var probeClass: String {
        switch self {
        case .success, .reported, .scaled: "ok"
        case .failure(let name), .inconclusive(let name): name
        }
    }
}

/// What happens between two decisions.
public enum AgentEvent: Hashable, Sendable {
    case probed(ServerID, ProbeVerdict)
    /// Every destination of a checked service with its weight, as read from the kernel: new ones appear, missing
    /// ones are forgotten, weights that differ from what drcheck knows were set by someone else.
    case kernel(ServiceKey, [Endpoint: Int])
    /// The service is no longer in the kernel: its servers are forgotten.
    case serviceGone(ServiceKey)
    /// Every drain made with `drcheck drain` now (the drains file): a server listed is held at 0, one no longer
    /// listed is handed back to its checks.
    case drains([ServerID: DrainNote])
    /// The servers a quorum of the fleet's other directors sees failing, with how many do (`fleet`); empty when
    /// the fleet's verdicts cannot be read.
    case fleet([ServerID: Int])
    case configChanged(Config)
}

public struct WeightChange: Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// Unhealthy after `fall` failures; the class of the last one.
        case drain(String)
        /// Healthy again after `rise` successes: the configured weight at once.
        case restore
        /// Step `step` of `steps` of the slow-start ramp (the last one sets the configured weight).
        case slowStart(step: Int, steps: Int)
        /// The config names a new weight for a healthy server (a reload, or a start with an edited config).
        case reconfigured
        /// A dynamic exec check reported a new weight for its healthy server.
        case reported
        /// `drcheck drain`.
        case maintenance
        /// The service's sorry server: raised while no real server is up, lowered to 0 when one is.
        case sorryServer
    }

    public var id: ServerID
    public var from: Int
    public var to: Int
    public var reason: Reason

    public var isDrain: Bool { if case .drain = reason { true } else { false } }

    public var description: String {
        let why =
            switch reason {
            case .drain(let probeClass): "drain (\(probeClass))"
            case .restore: "restore"
            case .slowStart(let step, let steps): "slow start \(step)/\(steps)"
            case .reconfigured: "configured weight changed"
            case .reported: "weight reported by its check"
            case .maintenance: "drained with drcheck drain"
            case .sorryServer: to > 0 ? "sorry server: no real server is up" : "sorry server: a real server is up"
            }
        return "\(id): weight \(from) -> \(to), \(why)"
    }
}

/// Something to log once, at the turn it happens.
public struct Transition: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case appeared(weight: Int)
        case disappeared
        /// Unhealthy after `fall` consecutive failures; the class of the last one.
        case down(String)
        /// Healthy after `rise` consecutive successes.
        case up
        /// Someone else set this non-zero weight: it is the configured weight from now on.
        case adopted(weight: Int)
        /// Someone else set weight 0: an administrative drain drcheck never undoes.
        case administrativeDrain
        /// `drcheck drain`: held at weight 0 until `drcheck undrain`.
        case maintenance(DrainNote)
        /// `drcheck undrain`: back to its checks, restored once `rise` probes pass.
        case handedBack
        /// The service's last weighted server is unhealthy but keeps its weight (`keep_last`).
        case panic
        case panicOver
        /// `flap_damping`: a health change took the penalty above `suppress`; held drained for `holds`, unless it
        /// flaps on.
        case flapping(penalty: Double, suppress: Double, holds: Duration)
        /// The penalty decayed below `reuse`: back to its checks.
        case settled(reuse: Double)
        /// `directors` other directors of the fleet (at least `quorum`) see it failing: drained here too.
        case fleetDown(directors: Int, quorum: Int)
        /// No longer seen failing by a quorum of the fleet (or the fleet is not read): back to its own checks.
        case fleetAgain
    }

    /// The server concerned; `server` is nil for service-wide transitions (panic).
    public var service: ServiceKey
    public var server: Endpoint?
    public var kind: Kind

    /// A penalty as the log shows it: two decimals at most.
    static func rounded(_ value: Double) -> String { ConfigPrinter.number((value * 100).rounded() / 100) }

    public var description: String {
        let subject = server.map { "\(service) \($0)" } ?? "\(service)"
        switch kind {
        case .appeared(let weight): return "\(subject): new destination, weight \(weight)"
        case .disappeared: return "\(subject): destination gone, forgotten"
        case .down(let probeClass): return "\(subject): down (\(probeClass))"
        case .up: return "\(subject): up (ok)"
        case .adopted(let weight): return "\(subject): weight \(weight) set by someone else, adopted as configured"
        case .administrativeDrain: return "\(subject): weight 0 set by someone else, an administrative drain left alone"
        case .maintenance(let note):
            return
                "\(subject): drained by \(note.by) with drcheck drain (\(note.reason)), held at 0 until drcheck undrain"
        case .handedBack: return "\(subject): undrained, back to its checks (restored once they pass)"
        case .panic: return "\(subject): panic, the last server with weight is to be drained and keeps it (keep_last)"
        case .panicOver: return "\(subject): panic over"
        case .flapping(let penalty, let suppress, let holds):
            return "\(subject): flapping, penalty \(Self.rounded(penalty)) above suppress \(Self.rounded(suppress)): "
                + "held drained for \(PrometheusDuration.format(.milliseconds(Int64((holds / .milliseconds(1)).rounded())))) unless it flaps on"
        case .settled(let reuse):
            return "\(subject): no longer flapping, the penalty decayed below reuse \(Self.rounded(reuse)): back to "
                + "its checks"
        case .fleetDown(let directors, let quorum):
            return
                "\(subject): failing at \(directors) other directors of the fleet (quorum \(quorum)): drained here too"
        case .fleetAgain:
            return
                "\(subject): no longer failing at a quorum of the fleet, or the fleet not read: back to its own checks"
        }
    }
}

/// What one turn decided.
public struct Decision: Hashable, Sendable {
    /// The weight writes to make now, together. Empty in dry-run mode.
    public var changes: [WeightChange] = []
    /// In dry-run mode, the writes that would have been made.
    public var wouldChange: [WeightChange] = []
    public var transitions: [Transition] = []
    /// Call `turn` again by then even without events (next slow-start step, retry of a failed write).
    public var wakeAt: AgentTime?
    /// The state differs from the last turn's: save it.
    public var stateChanged = false
    /// The servers this turn decided: only their status can have changed, unless a kernel read, a reload or a
    /// removal came with the events.
    public var decided: Set<ServerID> = []
}
