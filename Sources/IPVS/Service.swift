import Primitives

/// IP_VS_SVC_F_* service flags.
public struct ServiceFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let persistent = ServiceFlags(rawValue: 0x1)
    /// Set by the kernel on every service in its table.
    public static let hashed = ServiceFlags(rawValue: 0x2)
    public static let onePacket = ServiceFlags(rawValue: 0x4)
    public static let schedulerFlag1 = ServiceFlags(rawValue: 0x8)
    public static let schedulerFlag2 = ServiceFlags(rawValue: 0x10)
    public static let schedulerFlag3 = ServiceFlags(rawValue: 0x20)
}

/// One IPVS virtual service as the kernel reports it.
public struct Service: Hashable, Sendable {
    public var key: ServiceKey
    public var scheduler: String
    public var flags: ServiceFlags
    /// Persistence timeout in seconds.
    public var timeout: UInt32
    /// Persistence netmask exactly as on the wire: for IPv4 a mask in network byte order
    /// (0xffffffff for /32), for IPv6 a prefix length. `netmaskText` prints it as ipvsadm does.
    public var netmask: UInt32
    /// Persistence engine ("sip"), if any.
    public var persistenceEngine: String?
    public var stats: Stats

    public init(
        key: ServiceKey, scheduler: String, flags: ServiceFlags = [], timeout: UInt32 = 0, netmask: UInt32? = nil,
        persistenceEngine: String? = nil, stats: Stats = Stats()
    ) {
        self.key = key
        self.scheduler = scheduler
        self.flags = flags
        self.timeout = timeout
        self.netmask = netmask ?? (key.family == .ipv4 ? 0xffff_ffff : 128)
        self.persistenceEngine = persistenceEngine
        self.stats = stats
    }

    /// `255.255.255.0` for IPv4, the prefix length for IPv6.
    public var netmaskText: String {
        guard key.family == .ipv4 else { return String(netmask) }
        return withUnsafeBytes(of: netmask) { IPAddress(bytes: $0)!.description }
    }
}
