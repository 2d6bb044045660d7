import IPVS
import Primitives

/// The fwmark of each real server's DR-probe service (README.md, `probe_marks`): one per real-server address, from
/// the reserved range, kept for as long as some dr-mode check needs that server.
struct ProbeMarks {
    let range: ClosedRange<UInt32>
    private(set) var assigned: [IPAddress: UInt32] = [:]

    init(range: ClosedRange<UInt32>) { self.range = range }

    /// The mark for `server`, assigning the lowest free one; nil when the range is used up.
    mutating func mark(for server: IPAddress) -> UInt32? {
        if let mark = assigned[server] { return mark }
        let used = Set(assigned.values)
        guard let free = range.lazy.first(where: { !used.contains($0) }) else { return nil }
        assigned[server] = free
        return free
    }

    /// Records a mark already in use for `server` (a running daemon's probe service).
    mutating func adopt(_ mark: UInt32, for server: IPAddress) {
        assigned[server] = mark
    }

    /// Forgets every server not in `needed` (their probe services are deleted as strays of the range).
    mutating func release(keeping needed: Set<IPAddress>) {
        assigned = assigned.filter { needed.contains($0.key) }
    }
}
