import Agent
import Primitives

/// The probe targets of the servers discovery found, with what follows them from pass to pass: which servers have a
/// note logged about their target, and readiness (every target probed once).
final class TargetSet {
    /// Each server's target, as the last discovery pass made them.
    private(set) var all: [ServerID: ProbeTarget] = [:]
    /// Every target has been probed once.
    private(set) var ready = false
    /// Body patterns compiled once for every pass's targets.
    let bodyPatterns = BodyPatterns()
    /// Servers whose target has a note logged (probed otherwise than configured, or not at all).
    private var noted: Set<ServerID> = []
    /// Targets not yet probed once, until ready.
    private var unprobed: Set<ServerID> = []

    subscript(id: ServerID) -> ProbeTarget? { all[id] }

    var count: Int { all.count }

    /// Takes `wanted` as the targets: those gone, and those new or changed with the target each replaces.
    func replace(
        with wanted: [ServerID: ProbeTarget]
    ) -> (gone: [ProbeTarget], changed: [(old: ProbeTarget?, new: ProbeTarget)]) {
        let gone = all.filter { wanted[$0.key] == nil }.map(\.value)
        let changed = wanted.filter { all[$0.key] != $0.value }.map { (old: all[$0.key], new: $0.value) }
        all = wanted
        return (gone, changed)
    }

    /// Takes `ids` as the servers noted this pass: those noted before and not now, whose note is over. Only the
    /// servers noted before are looked at, so that no text is built per server per pass.
    func note(_ ids: Set<ServerID>) -> Set<ServerID> {
        defer { noted = ids }
        return noted.filter { !ids.contains($0) }
    }

    /// `id` was probed: whether that made the set ready.
    func probed(_ id: ServerID) -> Bool {
        guard !ready, unprobed.remove(id) != nil, unprobed.isEmpty else { return false }
        ready = true
        return true
    }

    /// Until ready, after each pass: the targets still to be probed once are those `probedBefore` says no to;
    /// whether none is, which made the set ready.
    func awaitFirstProbes(probedBefore: (ServerID) -> Bool) -> Bool {
        guard !ready else { return false }
        unprobed = Set(all.keys.filter { !probedBefore($0) })
        guard unprobed.isEmpty else { return false }
        ready = true
        return true
    }
}
