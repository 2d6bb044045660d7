import CNetlink
import Glibc
import Primitives

/// One of the kernel's neighbour tables (ARP for IPv4, NDP for IPv6) as rtnetlink states it. The table is the
/// kernel's, shared by every network namespace: its size and thresholds can be read from any of them (its sysctls
/// only from the first).
public struct NeighbourTable: Equatable, Sendable {
    public var family: AddressFamily
    /// gc_thresh1, 2 and 3.
    public var keep: Int
    public var soft: Int
    public var hard: Int
    /// Entries now, every namespace's together.
    public var entries: Int
    /// Times the kernel could not make an entry because the table was full (ndts_table_fulls), since boot.
    public var fulls: UInt64

    public init(family: AddressFamily, keep: Int, soft: Int, hard: Int, entries: Int, fulls: UInt64) {
        self.family = family
        (self.keep, self.soft, self.hard, self.entries, self.fulls) = (keep, soft, hard, entries, fulls)
    }
}

/// Reads the neighbour tables and this namespace's neighbour entries over rtnetlink (libnl's socket; one
/// synchronous dump at a time, on the daemon's loop).
public final class NeighbourReader {
    private var socket: NetlinkSocket

    public init() throws(IPVSError) { socket = try NetlinkSocket(protocol: NETLINK_ROUTE) }

    /// The IPv4 and IPv6 tables (a kernel without IPv6 has one).
    public func tables() throws(IPVSError) -> [NeighbourTable] {
        var tables: [NeighbourTable] = []
        try dump(Int32(RTM_GETNEIGHTBL), header: ndtmsg(), length: MemoryLayout<ndtmsg>.size) {
            reply throws(IPVSError) in
            if let table = try NeighbourTable(reply) { tables.append(table) }
        }
        return tables
    }

    /// The addresses of `family` that have an entry in this namespace, with its NUD state (NUD_REACHABLE...).
    public func entries(_ family: AddressFamily) throws(IPVSError) -> [IPAddress: UInt16] {
        var header = ndmsg()
        header.ndm_family = UInt8(family.rawValue)
        var entries: [IPAddress: UInt16] = [:]
        try dump(Int32(RTM_GETNEIGH), header: header, length: MemoryLayout<ndmsg>.size) { reply throws(IPVSError) in
            let entry = reply.header.loadUnaligned(as: ndmsg.self)
            guard Int32(entry.ndm_family) == family.rawValue, let bytes = reply.attributes.bytes(Int(NDA_DST)),
                let address = IPAddress(bytes: bytes)
            else { return }
            entries[address] = entry.ndm_state
        }
        return entries
    }

    private func dump<Header>(
        _ type: Int32, header: Header, length: Int, onReply: @escaping (NetlinkReply) throws(IPVSError) -> Void
    ) throws(IPVSError) {
        let name = type == RTM_GETNEIGHTBL ? "RTM_GETNEIGHTBL" : "RTM_GETNEIGH"
        guard let message = nlmsg_alloc_simple(type, NLM_F_DUMP) else {
            throw .netlink(operation: "nlmsg_alloc_simple", code: NLE_NOMEM)
        }
        defer { nlmsg_free(message) }
        var header = header
        let appended: Int32 = withUnsafeMutableBytes(of: &header) {
            nlmsg_append(message, $0.baseAddress, length, Int32(NLMSG_ALIGNTO))
        }
        guard appended == 0 else { throw .netlink(operation: "building \(name)", code: -appended) }
        do {
            try socket.perform(message, named: name, headerLength: length, onReply: onReply)
        } catch {
            switch error {
            case .reply(let failure): throw failure
            case .kernel(let errno): throw .kernel(command: name, errno: errno)
            case .netlink(let operation, let code):
                // What is left unread would answer the next dump: start that on a fresh socket.
                if let fresh = try? NetlinkSocket(protocol: NETLINK_ROUTE) { socket = fresh }
                throw .netlink(operation: operation, code: code)
            }
        }
    }
}

extension NeighbourTable {
    /// An entry in NUD state `state` has the server's link-layer address (NUD_VALID: reachable, stale, delay,
    /// probe, permanent, noarp); incomplete and failed ones do not.
    public static func isResolved(_ state: UInt16) -> Bool {
        let valid = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP
        return Int32(state) & valid != 0
    }

    /// A table's own message (it carries the thresholds); nil for the per-interface parameter messages that follow
    /// it and for families other than IPv4 and IPv6.
    init?(_ reply: NetlinkReply) throws(IPVSError) {
        let attributes = reply.attributes
        let header = reply.header.loadUnaligned(as: ndtmsg.self)
        guard let family = AddressFamily(rawValue: Int32(header.ndtm_family)),
            let hard = try attributes.optional(NDTA_THRESH3, "NDTA_THRESH3", as: UInt32.self)
        else { return nil }
        let config = try Self.structure(attributes, Int(NDTA_CONFIG), "NDTA_CONFIG", as: ndt_config.self)
        let stats = try Self.structure(attributes, Int(NDTA_STATS), "NDTA_STATS", as: ndt_stats.self)
        self.init(
            family: family,
            keep: Int(try attributes.required(NDTA_THRESH1, "NDTA_THRESH1", as: UInt32.self)),
            soft: Int(try attributes.required(NDTA_THRESH2, "NDTA_THRESH2", as: UInt32.self)),
            hard: Int(hard), entries: Int(config.ndtc_entries), fulls: stats.ndts_table_fulls)
    }

    /// A struct attribute at least `T`'s size (a newer kernel may append fields).
    private static func structure<T>(
        _ attributes: NetlinkAttributes, _ type: Int, _ name: String, as: T.Type
    ) throws(IPVSError) -> T {
        guard let bytes = attributes.bytes(type), bytes.count >= MemoryLayout<T>.size else {
            throw .malformedReply("\(name) missing or shorter than its struct")
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }
}
