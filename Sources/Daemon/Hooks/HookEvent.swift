import Agent
import Primitives

/// One state change a change hook (`on_change`) is run for: its name (`DRCHECK_EVENT`), what it concerns, and the
/// values it brings (`HookVariable`).
struct HookEvent: Equatable {
    var name: String
    /// Nil for the director's own events.
    var service: ServiceKey?
    /// Nil for a service's or the director's events.
    var server: Endpoint?
    var values: [HookVariable: String] = [:]

    /// The event of a transition, if it is a state change hooks hear of.
    static func of(_ transition: Transition) -> HookEvent? {
        let (service, server) = (transition.service, transition.server)
        switch transition.kind {
        case .down(let probeClass):
            return HookEvent(name: "down", service: service, server: server, values: [.resultClass: probeClass])
        case .up: return HookEvent(name: "up", service: service, server: server)
        case .administrativeDrain: return HookEvent(name: "admin_drained", service: service, server: server)
        case .maintenance(let note):
            return HookEvent(name: "maintenance", service: service, server: server, values: [.reason: note.reason])
        case .handedBack: return HookEvent(name: "undrained", service: service, server: server)
        case .panic: return HookEvent(name: "panic", service: service)
        case .panicOver: return HookEvent(name: "panic_over", service: service)
        case .flapping: return HookEvent(name: "flapping", service: service, server: server)
        case .settled: return HookEvent(name: "flap_settled", service: service, server: server)
        case .fleetDown: return HookEvent(name: "fleet_down", service: service, server: server)
        case .fleetAgain: return HookEvent(name: "fleet_again", service: service, server: server)
        case .appeared, .disappeared, .adopted: return nil
        }
    }

    /// The event of a weight written, if it is a state change hooks hear of: a drain, the start of a restore, the
    /// sorry server raised or lowered.
    static func of(_ change: WeightChange) -> HookEvent? {
        let name: String
        var values: [HookVariable: String] = [
            .weightFrom: String(change.from), .weightTo: String(change.to),
        ]
        switch change.reason {
        case .drain(let probeClass):
            name = "drained"
            values[.resultClass] = probeClass
        case .restore, .slowStart(step: 1, _): name = "restored"
        case .sorryServer: name = change.to > 0 ? "sorry_server_up" : "sorry_server_down"
        case .slowStart, .reconfigured, .reported, .maintenance: return nil
        }
        return HookEvent(name: name, service: change.id.service, server: change.id.server, values: values)
    }

    /// The director's DR-path fault raised (`message`) or cleared (nil).
    static func directorFault(_ message: String?) -> HookEvent {
        HookEvent(
            name: message == nil ? "director_fault_over" : "director_fault", service: nil, server: nil,
            values: message.map { [.reason: $0] } ?? [:])
    }
}
