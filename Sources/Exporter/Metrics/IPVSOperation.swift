/// What drcheck asked of IPVS, the `operation` label of the IPVS update and error counters.
public struct IPVSOperation: RawRepresentable, Hashable, Sendable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let setWeight = IPVSOperation(rawValue: "set_weight")
    public static let addService = IPVSOperation(rawValue: "add_service")
    public static let deleteService = IPVSOperation(rawValue: "delete_service")
    public static let addDestination = IPVSOperation(rawValue: "add_destination")
    public static let deleteDestination = IPVSOperation(rawValue: "delete_destination")
    /// Reading services, destinations or their statistics.
    public static let read = IPVSOperation(rawValue: "read")
}
