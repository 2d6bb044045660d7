import Primitives

@testable import Agent

/// A reconciler over the lab's service with a fake clock: `tick` advances it, every call is one loop turn.
struct ReconcilerFixture {
    static let service = ServiceKey("198.51.100.33:8000/tcp")!
    static let rs1 = ServerID(service: service, server: Endpoint("203.0.113.21:8000")!)
    static let rs2 = ServerID(service: service, server: Endpoint("203.0.113.22:8000")!)

    var reconciler: Reconciler
    var now: AgentTime = .seconds(100)

    /// `check` is the YAML of the service's check block; `servers` its real_servers entries.
    init(
        check: String = "", servers: String = "", state: AgentState = AgentState(), dryRun: Bool = false,
        fleet: String = ""
    ) {
        let yaml =
            fleet + """
                services:
                  - vip: "198.51.100.33:8000"
                    check: {\(check)}
                    real_servers: [\(servers)]
                """
        let config = try! ConfigParser.parse(yaml: yaml, file: "test.yaml")
        reconciler = Reconciler(config: config, state: state, dryRun: dryRun)
    }

    mutating func turn(_ events: [AgentEvent], after step: Duration = .zero) -> Decision {
        now += step
        return reconciler.turn(events, at: now)
    }

    mutating func kernel(_ weights: [ServerID: Int]) -> Decision {
        turn([.kernel(Self.service, Dictionary(uniqueKeysWithValues: weights.map { ($0.key.server, $0.value) }))])
    }

    mutating func probe(_ id: ServerID, _ result: ProbeVerdict) -> Decision {
        turn([.probed(id, result)], after: .seconds(2))
    }

    /// Probes `id` `count` times; the decisions of every turn.
    mutating func probe(_ id: ServerID, _ result: ProbeVerdict, times count: Int) -> [Decision] {
        (0..<count).map { _ in probe(id, result) }
    }

    func record(_ id: ServerID) -> ServerRecord? { reconciler.state.servers[id] }
}

extension WeightChange {
    static func drain(_ id: ServerID, from: Int, _ probeClass: String) -> WeightChange {
        WeightChange(id: id, from: from, to: 0, reason: .drain(probeClass))
    }

    static func restore(_ id: ServerID, to: Int) -> WeightChange {
        WeightChange(id: id, from: 0, to: to, reason: .restore)
    }
}

extension Transition {
    init(_ id: ServerID, _ kind: Kind) { self.init(service: id.service, server: id.server, kind: kind) }
}
