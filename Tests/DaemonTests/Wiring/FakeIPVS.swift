import IPVS
import Primitives

/// An IPVS table in memory that records every change drcheck makes to it, in order.
final class FakeIPVS: IPVSControl {
    /// One weight written: the service, the destination, the weight.
    struct Write: Hashable, CustomStringConvertible {
        var service: ServiceKey
        var server: Endpoint
        var weight: Int32
        var description: String { "\(service.label) \(server) \(weight)" }
    }

    var table: [ServiceKey: [Destination]] = [:]
    private(set) var writes: [Write] = []
    /// Destinations added to fwmark services and fwmark services deleted, as `+fwmark N -> RIP` and `-fwmark N`.
    private(set) var probeServiceCalls: [String] = []
    /// The flags each service was added with.
    private(set) var serviceFlags: [ServiceKey: ServiceFlags] = [:]
    /// The next this many weight writes fail as a netlink socket error would.
    var failingWrites = 0

    init(_ table: [ServiceKey: [Destination]]) { self.table = table }

    func info() throws(IPVSError) -> IPVSInfo { IPVSInfo(version: 0x01_0201, connectionTableSize: 4096) }

    func services() throws(IPVSError) -> [Service] {
        table.keys.sorted().map { Service(key: $0, scheduler: "rr") }
    }

    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] { table[service] ?? [] }

    func setWeight(_ weight: Int32, of destination: Destination, in service: ServiceKey) throws(IPVSError) {
        guard failingWrites == 0 else {
            failingWrites -= 1
            throw .netlink(operation: "sendmsg", code: 105)
        }
        guard let index = table[service]?.firstIndex(where: { $0.endpoint == destination.endpoint }) else {
            throw .destinationGone(service, destination.address, port: destination.port)
        }
        table[service]![index].weight = weight
        writes.append(Write(service: service, server: destination.endpoint, weight: weight))
    }

    func addService(_ service: Service) throws(IPVSError) {
        guard table[service.key] == nil else { throw .kernel(command: "NEW_SERVICE", errno: 17) }
        table[service.key] = []
        serviceFlags[service.key] = service.flags
    }

    func deleteService(_ service: ServiceKey) throws(IPVSError) {
        guard table.removeValue(forKey: service) != nil else { throw .serviceGone(service) }
        if case .fwmark(let mark, _) = service { probeServiceCalls.append("-fwmark \(mark)") }
    }

    func addDestination(_ destination: Destination, to service: ServiceKey) throws(IPVSError) {
        guard table[service] != nil else { throw .serviceGone(service) }
        table[service]!.append(destination)
        if case .fwmark(let mark, _) = service { probeServiceCalls.append("+fwmark \(mark) -> \(destination.address)") }
    }

    func setDestination(_ destination: Destination, in service: ServiceKey) throws(IPVSError) {
        guard let index = table[service]?.firstIndex(where: { $0.endpoint == destination.endpoint }) else {
            throw .destinationGone(service, destination.address, port: destination.port)
        }
        table[service]![index] = destination
    }

    func deleteDestination(_ destination: Destination, from service: ServiceKey) throws(IPVSError) {
        guard let index = table[service]?.firstIndex(where: { $0.endpoint == destination.endpoint }) else {
            throw .destinationGone(service, destination.address, port: destination.port)
        }
        table[service]!.remove(at: index)
    }
}
