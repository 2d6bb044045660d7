import Primitives

/// What drcheck does with the kernel's IPVS table; `IPVSClient` is the real one, tests use fakes.
public protocol IPVSControl: AnyObject {
    func info() throws(IPVSError) -> IPVSInfo
    func services() throws(IPVSError) -> [Service]
    /// Empty for a service that does not exist (the kernel's dump does not fail for it).
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination]
    /// Sends `destination` back exactly as read, with only the weight changed: the kernel resets every field a
    /// SET_DEST omits (forwarding, thresholds, tunnel settings), so pass the destination as last read.
    func setWeight(_ weight: Int32, of destination: Destination, in service: ServiceKey) throws(IPVSError)
    /// Adds `service` (its key, scheduler and settings); `.kernel(NEW_SERVICE, EEXIST)` when it exists.
    func addService(_ service: Service) throws(IPVSError)
    /// Deletes `service` and its destinations; `.serviceGone` when it does not exist.
    func deleteService(_ service: ServiceKey) throws(IPVSError)
    /// Adds `destination` to `service`; `.kernel(NEW_DEST, EEXIST)` when it exists.
    func addDestination(_ destination: Destination, to service: ServiceKey) throws(IPVSError)
    /// Sets every field of `destination` (SET_DEST: what it omits is reset).
    func setDestination(_ destination: Destination, in service: ServiceKey) throws(IPVSError)
    /// Deletes `destination` from `service`; `.destinationGone` when it does not exist.
    func deleteDestination(_ destination: Destination, from service: ServiceKey) throws(IPVSError)
}

/// A service and its destinations, read one after the other.
public struct ServiceEntry: Hashable, Sendable {
    public var service: Service
    public var destinations: [Destination]

    public init(service: Service, destinations: [Destination]) {
        self.service = service
        self.destinations = destinations
    }
}

extension IPVSControl {
    /// Every service with its destinations. A service deleted between the two reads shows no destinations.
    public func table() throws(IPVSError) -> [ServiceEntry] {
        var entries: [ServiceEntry] = []
        for service in try services() {
            entries.append(ServiceEntry(service: service, destinations: try destinations(of: service.key)))
        }
        return entries
    }
}
