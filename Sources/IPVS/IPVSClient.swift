import CNetlink
import Glibc
import Primitives

/// The kernel's IPVS table over generic netlink: one persistent socket, one synchronous request at a time.
/// Not thread-safe; the daemon's single loop owns it.
public final class IPVSClient: IPVSControl {
    private var socket: NetlinkSocket
    /// The family's id: a new one each time ip_vs is loaded.
    private var family: Int32

    /// Opens the socket and resolves the "IPVS" family; `.notAvailable` when the kernel has none.
    public init() throws(IPVSError) {
        socket = try NetlinkSocket()
        family = try Self.resolveFamily(on: socket)
    }

    private static func resolveFamily(on socket: NetlinkSocket) throws(IPVSError) -> Int32 {
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
        try setDestination(changed, in: service)
    }

    public func addService(_ service: Service) throws(IPVSError) {
        try perform(.newService, service: service.key, settings: service)
    }

    public func deleteService(_ service: ServiceKey) throws(IPVSError) {
        try perform(.delService, service: service)
    }

    public func addDestination(_ destination: Destination, to service: ServiceKey) throws(IPVSError) {
        try perform(.newDest, service: service, destination: destination)
    }

    public func setDestination(_ destination: Destination, in service: ServiceKey) throws(IPVSError) {
        try perform(.setDest, service: service, destination: destination)
    }

    public func deleteDestination(_ destination: Destination, from service: ServiceKey) throws(IPVSError) {
        try perform(.delDest, service: service, destination: destination)
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
                if let fresh = try? NetlinkSocket() { socket = fresh }
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
