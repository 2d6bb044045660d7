import Primitives

/// `fleet` in the decision core: a real server that a quorum of the other directors sees failing is planned at
/// weight 0 (`drain (fleet)`) while this director sees it up; the daemon reads the fleet's verdicts and sends the
/// set whenever it changes, and an empty one when it cannot read them (each director then on its own verdicts). A
/// drain by hand comes first, and keep_last still keeps a service's last weighted server (OPERATIONS.md "An ECMP
/// fleet").
extension Reconciler {
    /// The fleet's verdicts now: returns the servers whose fleet drain began or ended.
    mutating func agree(_ down: [ServerID: Int], into log: inout [Transition]) -> [ServerID] {
        let quorum = config.fleet?.quorum ?? 0
        // The first word from the fleet: the restores held until now are decided.
        var changed = fleetAwaited ? state.servers.keys.filter { state.servers[$0]?.weight == 0 } : []
        fleetAwaited = false
        for (id, directors) in down.sorted(by: { $0.key < $1.key }) where fleetDown[id] == nil {
            changed.append(id)
            guard state.servers[id] != nil else { continue }
            log.append(
                Transition(
                    service: id.service, server: id.server, kind: .fleetDown(directors: directors, quorum: quorum)))
        }
        for id in fleetDown.keys.sorted() where down[id] == nil {
            changed.append(id)
            guard state.servers[id] != nil else { continue }
            log.append(Transition(service: id.service, server: id.server, kind: .fleetAgain))
        }
        fleetDown = down
        return changed
    }

    /// Whether a quorum of the other directors sees `id` failing.
    public func drainedByFleet(_ id: ServerID) -> Bool { fleetDown[id] != nil }
}
