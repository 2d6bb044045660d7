import Agent
import IPVS
import Primitives

/// What the daemon reads of the director beyond IPVS: its interfaces, its sysctls, its limits and the kernel's
/// counters for its faults; a test's own instead.
struct DirectorHost {
    /// Nil when they cannot be read (getifaddrs needs a descriptor).
    var interfaces: () -> DirectorInterfaces?
    var sysctls: DRSysctls
    /// Its limits (the neighbour table's thresholds and the rest, OPERATIONS.md "The director's limits").
    var limits: () -> DirectorLimits = { DirectorLimits() }
    /// The neighbour tables' fill and the conntrack table's, each second.
    var faultReading: () -> DirectorFaultWatch.Reading = { DirectorFaultWatch.Reading() }
    /// This namespace's neighbour entries of one family, with their NUD state; nil when they cannot be read.
    var neighbourEntries: (AddressFamily) -> [IPAddress: UInt16]? = { _ in nil }

    static var live: DirectorHost {
        let kernel = KernelTables(root: "/proc/sys")
        return DirectorHost(
            interfaces: DirectorInterfaces.read, sysctls: DRSysctls(),
            limits: { kernel.limits() }, faultReading: { kernel.faultReading() },
            neighbourEntries: { kernel.entries($0) })
    }
}

/// The live director's tables: sysctls under `root`, and rtnetlink's neighbour tables, which also show the
/// thresholds where the sysctls do not (a director in a network namespace of its own).
final class KernelTables {
    private let root: String
    /// Opened on first use, kept; nil while it cannot be opened.
    private var reader: NeighbourReader?

    init(root: String) { self.root = root }

    private var neighbours: NeighbourReader? {
        if reader == nil { reader = try? NeighbourReader() }
        return reader
    }

    func limits() -> DirectorLimits {
        var limits = DirectorLimits.read(root: root, openFiles: nil)
        for table in (try? neighbours?.tables()) ?? [] where limits.neighbours[table.family] == nil {
            limits.neighbours[table.family] = .init(keep: table.keep, soft: table.soft, hard: table.hard)
            limits.neighboursFromNetlink.insert(table.family)
        }
        return limits
    }

    func faultReading() -> DirectorFaultWatch.Reading {
        var reading = DirectorFaultWatch.Reading()
        for table in (try? neighbours?.tables()) ?? [] {
            reading.neighbourTables[table.family] = .init(entries: table.entries, hard: table.hard, fulls: table.fulls)
        }
        reading.conntrackCount = DirectorLimits.value(root, "net/netfilter/nf_conntrack_count")
        reading.conntrackMax = DirectorLimits.value(root, "net/netfilter/nf_conntrack_max")
        return reading
    }

    func entries(_ family: AddressFamily) -> [IPAddress: UInt16]? { try? neighbours?.entries(family) }
}
