import IPVS
import Primitives

/// What one discovery pass does about drcheck's own DR probe services, decided from the kernel's listing of the
/// probe_marks range and the services wanted (a mark per DR real server): a wanted one missing, or leading elsewhere,
/// is created again; a listed one no server wants is deleted. Only a listed service the ledger has not verified has
/// its destinations read, so a steady table costs no read beyond the listing.
struct ProbeServiceAudit: Equatable {
    enum Reason: Equatable {
        /// drcheck has not had one for this server before.
        case new
        /// drcheck had it and the table has it no more (a flush, ip_vs unloaded, another manager's rewrite).
        case missing
        /// It does not lead to its real server alone: what it leads to, in words.
        case wrong(String)
    }

    struct Creation: Equatable {
        var server: IPAddress
        var mark: UInt32
        var reason: Reason
    }

    /// In mark order.
    var create: [Creation] = []
    /// Listed services of the range that no wanted server needs, in key order.
    var delete: [ServiceKey] = []
    /// Wanted services just read and found leading to their server, in address order.
    var verified: [IPAddress] = []

    /// `read` gives a listed service's destinations.
    init(
        wanted: [IPAddress: UInt32], listed: Set<ServiceKey>, ledger: ProbeServiceLedger,
        read: (ServiceKey) throws(IPVSError) -> [Destination]
    ) throws(IPVSError) {
        var keys: Set<ServiceKey> = []
        for (server, mark) in wanted.sorted(by: { $0.value < $1.value }) {
            let key = ServiceKey.fwmark(mark, family: server.family)
            keys.insert(key)
            guard listed.contains(key) else {
                create.append(
                    Creation(server: server, mark: mark, reason: ledger.known.contains(server) ? .missing : .new))
                continue
            }
            guard !ledger.isVerified(server, mark: mark) else { continue }
            let destinations = try read(key)
            if Self.leads(destinations, to: server) {
                verified.append(server)
            } else {
                create.append(Creation(server: server, mark: mark, reason: .wrong(Self.describe(destinations))))
            }
        }
        verified.sort()
        delete = listed.subtracting(keys).sorted()
    }

    /// A probe service leads to `server` when that server is its only destination, by direct routing, with weight.
    static func leads(_ destinations: [Destination], to server: IPAddress) -> Bool {
        guard destinations.count == 1, let only = destinations.first else { return false }
        return only.address == server && only.forwarding == .route && only.weight > 0
    }

    /// What a wrong probe service leads to, as a log line says it.
    static func describe(_ destinations: [Destination]) -> String {
        guard !destinations.isEmpty else { return "no real server" }
        return destinations.sorted { $0.endpoint < $1.endpoint }.map { destination in
            let forwarding = destination.forwarding == .route ? "" : " (\(destination.forwarding.ipvsadmName))"
            return "\(destination.address)\(forwarding) at weight \(destination.weight)"
        }.joined(separator: ", ")
    }
}
