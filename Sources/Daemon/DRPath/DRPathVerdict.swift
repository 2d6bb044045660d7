import Agent
import Probe

/// The DR-path classification: a DR probe that fails while the same request to the RIP passes is `dr_path`.
enum DRPathVerdict {
    static let explanation =
        "answers on its own address but not through the VIP: VIP missing on lo, wrong netmask, or a firewall"

    /// `dr_path` when the DR probe failed for the server's path and the RIP answered; a DR probe the director could
    /// not make (no local port, no descriptor) stays the director's `local_error`.
    static func classify(dr: ProbeResult, rip: ProbeResult) -> ProbeResult {
        guard !dr.isOK, dr.probeClass != .localError, rip.isOK else { return dr }
        return ProbeResult(
            .drPath, duration: dr.duration, status: dr.status,
            detail: "\(explanation) (through the VIP: \(dr.probeClass.rawValue))", answer: dr.answer)
    }
}

extension Transition.Kind {
    /// The health states a transition moves between, for the transitions counter; nil for the others.
    var healthChange: (from: String, to: String)? {
        switch self {
        case .down: ("up", "down")
        case .up: ("down", "up")
        case .administrativeDrain, .maintenance: ("up", "admin_drained")
        default: nil
        }
    }
}
