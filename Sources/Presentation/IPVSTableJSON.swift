/// The stable JSON form of the table (`drcheck ipvs --json`). Every key is always present; absent values are
/// null. Keys are snake_case; numbers are plain integers (counters are unsigned 64-bit). Services and destinations
/// come in ipvsadm's order.
///
///     { "version": "1.2.1", "connection_table_size": 4096,
///       "services": [ {
///         "family": "ipv4" | "ipv6",
///         "protocol": "tcp" | "udp" | "sctp" | null,     null for a fwmark service
///         "address": "198.51.100.33" | null, "port": 8000 | null, "fwmark": 5 | null,
///         "scheduler": "rr", "flags": 2,                  flags: IP_VS_SVC_F_* as the kernel has them
///         "persistent": false, "one_packet": false, "scheduler_flags": ["sh-fallback", "sh-port"],
///         "timeout": 0, "netmask": "255.255.255.255" | "128", "persistence_engine": "sip" | null,
///         "stats": STATS,
///         "destinations": [ {
///           "address": "203.0.113.21", "family": "ipv4", "port": 8000,
///           "forwarding": "masquerade" | "local" | "tunnel" | "route", "weight": 1,
///           "upper_threshold": 0, "lower_threshold": 0,
///           "active_connections": 0, "inactive_connections": 0, "persistent_connections": 0,
///           "tunnel": { "type": "ipip" | "gue" | "gre", "port": 0, "flags": 0,
///                       "checksum": "none" | "csum" | "remcsum" },
///           "stats": STATS } ] } ] }
///
///     STATS = { "connections", "in_packets", "out_packets", "in_bytes", "out_bytes",
///               "connection_rate", "in_packet_rate", "out_packet_rate", "in_byte_rate", "out_byte_rate" }
import IPVS

public struct TableDocument: Encodable, Sendable {
    public var info: IPVSInfo
    public var table: [ServiceEntry]

    public init(info: IPVSInfo, table: [ServiceEntry]) {
        self.info = info
        self.table = table.sortedLikeIPVSAdm()
    }

    private enum Key: String, CodingKey {
        case version
        case connectionTableSize = "connection_table_size"
        case services
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(info.versionText, forKey: .version)
        try container.encode(info.connectionTableSize, forKey: .connectionTableSize)
        try container.encode(table.map(ServiceJSON.init), forKey: .services)
    }
}

private struct ServiceJSON: Encodable {
    var entry: ServiceEntry

    private enum Key: String, CodingKey {
        case family, `protocol`, address, port, fwmark, scheduler, flags, persistent
        case onePacket = "one_packet"
        case schedulerFlags = "scheduler_flags"
        case timeout, netmask
        case persistenceEngine = "persistence_engine"
        case stats, destinations
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        let service = entry.service
        let key = service.key
        try container.encode(key.family.description, forKey: .family)
        switch key {
        case .virtual(let vip, let proto):
            try container.encode(proto.description, forKey: .protocol)
            try container.encode(vip.address.description, forKey: .address)
            try container.encode(vip.port, forKey: .port)
            try container.encodeNil(forKey: .fwmark)
        case .fwmark(let mark, _):
            try container.encodeNil(forKey: .protocol)
            try container.encodeNil(forKey: .address)
            try container.encodeNil(forKey: .port)
            try container.encode(mark, forKey: .fwmark)
        }
        try container.encode(service.scheduler, forKey: .scheduler)
        try container.encode(service.flags.rawValue, forKey: .flags)
        try container.encode(service.flags.contains(.persistent), forKey: .persistent)
        try container.encode(service.flags.contains(.onePacket), forKey: .onePacket)
        try container.encode(service.schedulerFlagNames, forKey: .schedulerFlags)
        try container.encode(service.timeout, forKey: .timeout)
        try container.encode(service.netmaskText, forKey: .netmask)
        try container.encode(service.persistenceEngine, forKey: .persistenceEngine)
        try container.encode(StatsJSON(stats: service.stats), forKey: .stats)
        try container.encode(entry.destinations.map(DestinationJSON.init), forKey: .destinations)
    }
}

private struct DestinationJSON: Encodable {
    var destination: Destination

    private enum Key: String, CodingKey {
        case address, family, port, forwarding, weight
        case upperThreshold = "upper_threshold"
        case lowerThreshold = "lower_threshold"
        case activeConnections = "active_connections"
        case inactiveConnections = "inactive_connections"
        case persistentConnections = "persistent_connections"
        case tunnel, stats
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(destination.address.description, forKey: .address)
        try container.encode(destination.address.family.description, forKey: .family)
        try container.encode(destination.port, forKey: .port)
        try container.encode(destination.forwarding.jsonName, forKey: .forwarding)
        try container.encode(destination.weight, forKey: .weight)
        try container.encode(destination.upperThreshold, forKey: .upperThreshold)
        try container.encode(destination.lowerThreshold, forKey: .lowerThreshold)
        try container.encode(destination.activeConnections, forKey: .activeConnections)
        try container.encode(destination.inactiveConnections, forKey: .inactiveConnections)
        try container.encode(destination.persistentConnections, forKey: .persistentConnections)
        try container.encode(TunnelJSON(tunnel: destination.tunnel), forKey: .tunnel)
        try container.encode(StatsJSON(stats: destination.stats), forKey: .stats)
    }
}

extension ForwardingMethod {
    /// The word in the JSON form.
    fileprivate var jsonName: String {
        switch self {
        case .masquerade: "masquerade"
        case .local: "local"
        case .tunnel: "tunnel"
        case .route: "route"
        }
    }
}

private struct TunnelJSON: Encodable {
    var tunnel: TunnelSettings

    private enum Key: String, CodingKey { case type, port, flags, checksum }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        let flags = tunnel.flags
        try container.encode(["ipip", "gue", "gre"][Int(tunnel.type.rawValue)], forKey: .type)
        try container.encode(tunnel.port, forKey: .port)
        try container.encode(flags.rawValue, forKey: .flags)
        let checksum = flags.contains(.remoteChecksum) ? "remcsum" : flags.contains(.checksum) ? "csum" : "none"
        try container.encode(checksum, forKey: .checksum)
    }
}

/// A counter set's JSON form: each counter under its snake_case key.
private struct StatsJSON: Encodable {
    var stats: Stats

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static var fields: [(String, KeyPath<Stats, UInt64>)] {
        [
            ("connections", \.connections), ("in_packets", \.inPackets), ("out_packets", \.outPackets),
            ("in_bytes", \.inBytes), ("out_bytes", \.outBytes), ("connection_rate", \.connectionRate),
            ("in_packet_rate", \.inPacketRate), ("out_packet_rate", \.outPacketRate),
            ("in_byte_rate", \.inByteRate), ("out_byte_rate", \.outByteRate),
        ]
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, field) in Self.fields {
            try container.encode(stats[keyPath: field], forKey: Key(stringValue: name))
        }
    }
}
