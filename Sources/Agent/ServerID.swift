import Primitives

/// One real server of one service: the unit that is probed and weighted.
public struct ServerID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var service: ServiceKey
    public var server: Endpoint

    public init(service: ServiceKey, server: Endpoint) {
        self.service = service
        self.server = server
    }

    public var description: String { "\(service) \(server)" }

    public static func < (a: ServerID, b: ServerID) -> Bool {
        a.service != b.service ? a.service < b.service : a.server < b.server
    }
}
