import Primitives

/// How IPVS forwards to a destination (IP_VS_CONN_F_FWD_MASK values).
public enum ForwardingMethod: UInt32, Hashable, Sendable, CaseIterable {
    case masquerade = 0
    case local = 1
    case tunnel = 2
    case route = 3

    /// The word ipvsadm prints in its Forward column.
    public var ipvsadmName: String {
        switch self {
        case .masquerade: "Masq"
        case .local: "Local"
        case .tunnel: "Tunnel"
        case .route: "Route"
        }
    }
}

/// Tunnel encapsulation of a tunnel destination (IP_VS_CONN_F_TUNNEL_TYPE_*).
public enum TunnelType: UInt8, Hashable, Sendable, CaseIterable {
    case ipip = 0
    case gue = 1
    case gre = 2
}

/// IP_VS_TUNNEL_ENCAP_FLAG_* (none means no checksum).
public struct TunnelFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let checksum = TunnelFlags(rawValue: 0x1)
    public static let remoteChecksum = TunnelFlags(rawValue: 0x2)
}

/// Tunnel settings; the kernel keeps them for every destination and overwrites them on each SET_DEST.
public struct TunnelSettings: Hashable, Sendable {
    public var type: TunnelType
    /// GUE's UDP port; 0 otherwise.
    public var port: UInt16
    public var flags: TunnelFlags

    public init(type: TunnelType = .ipip, port: UInt16 = 0, flags: TunnelFlags = []) {
        self.type = type
        self.port = port
        self.flags = flags
    }
}

/// One real server of an IPVS service as the kernel reports it.
public struct Destination: Hashable, Sendable {
    /// The address carries its own family: a tunnel destination's may differ from the service's.
    public var address: IPAddress
    public var port: UInt16
    public var forwarding: ForwardingMethod
    public var weight: Int32
    /// Connection thresholds; 0 means none.
    public var upperThreshold: UInt32
    public var lowerThreshold: UInt32
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32
    public var persistentConnections: UInt32
    public var stats: Stats
    public var tunnel: TunnelSettings

    public init(
        address: IPAddress, port: UInt16, forwarding: ForwardingMethod, weight: Int32, upperThreshold: UInt32 = 0,
        lowerThreshold: UInt32 = 0, activeConnections: UInt32 = 0, inactiveConnections: UInt32 = 0,
        persistentConnections: UInt32 = 0, stats: Stats = Stats(), tunnel: TunnelSettings = TunnelSettings()
    ) {
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
        self.stats = stats
        self.tunnel = tunnel
    }

    /// `RIP:PORT`, how an operator names the destination within its service.
    public var endpoint: Endpoint { Endpoint(address: address, port: port) }
}
