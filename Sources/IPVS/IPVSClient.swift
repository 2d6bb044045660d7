import CNetlink
import Glibc
import Primitives

/// The kernel's IPVS table over generic netlink: one persistent socket, one synchronous request at a time.
/// Not thread-safe; the daemon's single loop owns it.
public final class IPVSClient: IPVSControl {
    private var socket: GenericNetlinkSocket
    /// The family's id: a new one each time ip_vs is loaded.
    private var family: Int32

    /// Opens the socket and resolves the "IPVS" family; `.notAvailable` when the kernel has none.
    public init() throws(IPVSError) {
        socket = try GenericNetlinkSocket()
        family = try Self.resolveFamily(on: socket)
    }

    private static func resolveFamily(on socket: GenericNetlinkSocket) throws(IPVSError) -> Int32 {
        guard let family = try socket.resolve(family: IPVS_GENL_NAME) else { throw .notAvailable }
        return family
    }

    public func info() throws(IPVSError) -> IPVSInfo {
        var info: IPVSInfo?
        try perform(.getInfo) { (reply) throws(IPVSError) in info = try IPVSInfo(reply: reply) }
        guard let info else { throw .malformedReply("no GET_INFO reply") }
        return info
    }

    public func services() throws(IPVSError) -> [Service] {
        var services: [Service] = []
        try perform(.getService, dump: true) { (reply) throws(IPVSError) in services.append(try Service(reply: reply)) }
        return services
    }

    public func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        var destinations: [Destination] = []
        try perform(.getDest, dump: true, service: service) { (reply) throws(IPVSError) in
            destinations.append(try Destination(reply: reply, serviceFamily: service.family))
        }
        return destinations
    }

    public func setWeight(_ weight: Int32, of destination: Destination, in service: ServiceKey) throws(IPVSError) {
        var changed = destination
        changed.weight = weight
        try perform(.setDest, service: service, destination: changed)
    }

    public func createProbeService(mark: UInt32, realServer: IPAddress) throws(IPVSError) {
        let key = ServiceKey.fwmark(mark, family: realServer.family)
        let probe = Destination(address: realServer, port: 0, forwarding: .route, weight: 1)
        do {
            try perform(.newService, service: key, settings: Service(key: key, scheduler: "rr"))
        } catch .kernel(_, EEXIST) {}
        var present = false
        for destination in try destinations(of: key) {
            if destination.address == probe.address && destination.port == probe.port {
                present = true
                if destination.forwarding != .route || destination.weight != 1 || destination.tunnel != probe.tunnel
                    || destination.upperThreshold != 0 || destination.lowerThreshold != 0
                {
                    try perform(.setDest, service: key, destination: probe)
                }
            } else {
                do { try perform(.delDest, service: key, destination: destination) } catch .destinationGone {}
            }
        }
        guard !present else { return }
        do {
            try perform(.newDest, service: key, destination: probe)
        } catch .kernel(_, EEXIST) {
            try perform(.setDest, service: key, destination: probe)
        }
    }

    public func deleteProbeService(mark: UInt32, family: AddressFamily) throws(IPVSError) {
        do { try perform(.delService, service: .fwmark(mark, family: family)) } catch .serviceGone {}
    }

    /// Sends one request naming `service` (with its `settings` for NEW_SERVICE) and `destination`, and reads
    /// every reply into `onReply`. Survives ip_vs being unloaded and loaded again, and a socket left mid-reply.
    private func perform(
        _ command: Command, dump: Bool = false, service: ServiceKey? = nil, settings: Service? = nil,
        destination: Destination? = nil, retried: Bool = false,
        onReply: @escaping (NetlinkAttributes) throws(IPVSError) -> Void = { _ in }
    ) throws(IPVSError) {
        let request = try NetlinkRequest(
            family: family, command: UInt8(command.number), named: command.name, dump: dump)
        if let service { try request.put(service: service, full: settings) }
        if let destination { try request.put(destination: destination, full: command.needsFullDestination) }
        do {
            try socket.perform(request, onReply: onReply)
        } catch {
            switch error {
            case .reply(let failure): throw failure
            case .netlink(let operation, let code):
                // What is left unread of this reply would answer the next request: start that on a fresh socket.
                if let fresh = try? GenericNetlinkSocket() { socket = fresh }
                throw .netlink(operation: operation, code: code)
            case .kernel(let errno):
                // Generic netlink answers ENOENT for a family id that no longer exists (ip_vs unloaded, perhaps
                // loaded again under a new id): resolve again, and send once more to the new id.
                if errno == ENOENT && !retried {
                    let current = try Self.resolveFamily(on: socket)
                    if current != family {
                        family = current
                        return try perform(
                            command, dump: dump, service: service, settings: settings, destination: destination,
                            retried: true, onReply: onReply)
                    }
                }
                throw command.error(errno, service: service, destination: destination)
            }
        }
    }
}
