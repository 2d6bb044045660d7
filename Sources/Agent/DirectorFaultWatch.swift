import Primitives

/// The director's own faults that make probes fail for reasons of its own, as the kernel's counters show them
/// (OPERATIONS.md "The director's limits"): a neighbour table that could not take an entry, conntrack at its
/// maximum. Pure: a reading each second in, the faults that began or ended out. A fault begins on one reading
/// that shows it and ends after `calm` readings in a row that do not, so a table that fills again between two
/// probes of the same servers does not say it twice.
public struct DirectorFaultWatch: Sendable {
    public enum Fault: Hashable, Sendable, Comparable {
        /// The kernel could not make a neighbour entry of this family: on-link servers without one are reached
        /// neither by the probes nor by IPVS's forwarding.
        case neighbourTableFull(AddressFamily)
        /// nf_conntrack_count at nf_conntrack_max: new connections are dropped at random, clients' and probes'.
        case conntrackFull

        /// `drcheck_director_fault`'s reason label.
        public var reason: String {
            switch self {
            case .neighbourTableFull: "neighbour_table_full"
            case .conntrackFull: "conntrack_full"
            }
        }

        public static func < (a: Fault, b: Fault) -> Bool { a.order < b.order }

        private var order: Int32 {
            switch self {
            case .neighbourTableFull(let family): family.rawValue
            case .conntrackFull: 100
            }
        }
    }

    /// What the kernel says now.
    public struct Reading: Equatable, Sendable {
        public struct Table: Equatable, Sendable {
            public var entries: Int
            public var hard: Int
            /// The kernel's count of entries it could not make (ndts_table_fulls), since boot.
            public var fulls: UInt64

            public init(entries: Int, hard: Int, fulls: UInt64) {
                (self.entries, self.hard, self.fulls) = (entries, hard, fulls)
            }
        }

        public var neighbourTables: [AddressFamily: Table] = [:]
        public var conntrackCount: Int?
        public var conntrackMax: Int?

        public init() {}
    }

    public enum Change: Equatable, Sendable {
        case began(Fault, String)
        case ended(Fault, String)
    }

    /// Readings without evidence before a fault ends.
    public var calm = 3
    public private(set) var active: [Fault: Int] = [:]
    private var last: Reading?

    public init() {}

    /// The faults `reading` begins or ends, in a fixed order, each with the line that says so.
    public mutating func update(_ reading: Reading) -> [Change] {
        var shown: [Fault: String] = [:]
        for (family, table) in reading.neighbourTables {
            let refused = last?.neighbourTables[family].map { table.fulls &- $0.fulls } ?? 0
            if refused > 0 || table.entries >= table.hard {
                shown[.neighbourTableFull(family)] =
                    "\(table.entries) entries against gc_thresh3 \(table.hard), "
                    + "\(refused) new one(s) refused since the last reading"
            }
        }
        if let count = reading.conntrackCount, let max = reading.conntrackMax, max > 0, count >= max {
            shown[.conntrackFull] = "nf_conntrack_count \(count) at nf_conntrack_max \(max)"
        }
        last = reading
        var changes: [Change] = []
        for fault in Set(shown.keys).union(active.keys).sorted() {
            if let text = shown[fault] {
                if active[fault] == nil { changes.append(.began(fault, text)) }
                active[fault] = 0
            } else if let quiet = active[fault] {
                if quiet + 1 >= calm {
                    active[fault] = nil
                    changes.append(.ended(fault, "\(calm) readings in a row without it"))
                } else {
                    active[fault] = quiet + 1
                }
            }
        }
        return changes
    }

    public func isActive(_ fault: Fault) -> Bool { active[fault] != nil }
}

extension DirectorFaultWatch {
    /// What a probe that got no answer at all (a timeout before connecting, unreachable) says of its server while a
    /// fault is active; nil when it stays the server's own failure. `resolved`: the server's neighbour entry is
    /// complete (nil: the server is not on one of the director's subnets).
    ///
    /// Per reason (OPERATIONS.md "The director's faults"): a full neighbour table stops IPVS's forwarding to the
    /// same servers, so they are still drained, the cause named as the director's; conntrack full drops new
    /// connections at random for every server alike, so draining one sends its clients to others that fail the
    /// same way: no server is judged while it lasts.
    public func blame(noAnswer: Bool, family: AddressFamily, resolved: Bool?) -> ProbeVerdict? {
        guard noAnswer else { return nil }
        if resolved == false, isActive(.neighbourTableFull(family)) {
            return .failure(Fault.neighbourTableFull(family).reason)
        }
        if isActive(.conntrackFull) { return .inconclusive(Fault.conntrackFull.reason) }
        return nil
    }
}
