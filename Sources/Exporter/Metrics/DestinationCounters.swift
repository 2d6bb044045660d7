/// The kernel's figures for one IPVS destination, as absolute values read from it.
public struct DestinationCounters: Equatable, Sendable {
    public var activeConnections: UInt64
    public var inactiveConnections: UInt64
    /// Connections scheduled to the destination since it was added.
    public var connections: UInt64
    public var packetsIn: UInt64
    public var packetsOut: UInt64
    public var bytesIn: UInt64
    public var bytesOut: UInt64

    public init(
        activeConnections: UInt64, inactiveConnections: UInt64, connections: UInt64,
        packetsIn: UInt64, packetsOut: UInt64, bytesIn: UInt64, bytesOut: UInt64
    ) {
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.connections = connections
        self.packetsIn = packetsIn
        self.packetsOut = packetsOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
}
