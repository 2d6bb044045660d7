import IPVS
import Primitives

/// An IPVS table in memory that records every change drcheck makes to it, in order.
final class FakeIPVS: IPVSControl {
    /// One weight written: the service, the destination, the weight.
    struct Write: Equatable, CustomStringConvertible {
        var service: ServiceKey
        var server: Endpoint
        var weight: Int32
        var description: String { "\(service.label) \(server) \(weight)" }
    }

    var table: [ServiceKey: [Destination]] = [:]
    private(set) var writes: [Write] = []
    /// Probe services made and deleted, as `+fwmark N -> RIP` and `-fwmark N`.
    private(set) var probeServiceCalls: [String] = []
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

    func createProbeService(mark: UInt32, realServer: IPAddress) throws(IPVSError) {
        table[.fwmark(mark, family: realServer.family)] = [
            Destination(address: realServer, port: 0, forwarding: .route, weight: 1)
        ]
        probeServiceCalls.append("+fwmark \(mark) -> \(realServer)")
    }

    func deleteProbeService(mark: UInt32, family: AddressFamily) throws(IPVSError) {
        table[.fwmark(mark, family: family)] = nil
        probeServiceCalls.append("-fwmark \(mark)")
    }
}
