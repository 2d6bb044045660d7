import Primitives

/// The transport protocol of a virtual service.
public enum TransportProtocol: String, Hashable, Sendable, CaseIterable, Codable {
    case tcp, udp, sctp

    /// By case, not by the raw string (RawRepresentable's default): every server lookup hashes this.
    public func hash(into hasher: inout Hasher) {
        let ordinal =
            switch self {
            case .tcp: 0
            case .udp: 1
            case .sctp: 2
            }
        hasher.combine(ordinal)
    }
}

/// How drcheck names an IPVS service: a VIP with its port and protocol, or a firewall mark.
/// Written `198.51.100.33:8000/tcp` or `fwmark:5` (its `description`, also used in the state file).
public enum ServiceKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case virtual(Endpoint, TransportProtocol)
    case fwmark(UInt32)

    public init?(_ text: String) {
        if text.hasPrefix("fwmark:") {
            guard let mark = UInt32(text.dropFirst("fwmark:".count)), mark > 0 else { return nil }
            self = .fwmark(mark)
            return
        }
        guard let slash = text.lastIndex(of: "/"),
            let proto = TransportProtocol(rawValue: String(text[text.index(after: slash)...])),
            let vip = Endpoint(String(text[..<slash]))
        else { return nil }
        self = .virtual(vip, proto)
    }

    public var description: String {
        switch self {
        case .virtual(let vip, let proto): "\(vip)/\(proto.rawValue)"
        case .fwmark(let mark): "fwmark:\(mark)"
        }
    }

    /// The metrics label of a service without a name: `VIP:port` or `fwmark:N`.
    public var label: String {
        switch self {
        case .virtual(let vip, _): vip.description
        case .fwmark(let mark): "fwmark:\(mark)"
        }
    }

    /// Virtual services by VIP, port, protocol; then fwmark services by mark.
    public static func < (a: ServiceKey, b: ServiceKey) -> Bool {
        switch (a, b) {
        case (.virtual(let vipA, let protoA), .virtual(let vipB, let protoB)):
            vipA != vipB ? vipA < vipB : protoA.rawValue < protoB.rawValue
        case (.virtual, .fwmark): true
        case (.fwmark, .virtual): false
        case (.fwmark(let markA), .fwmark(let markB)): markA < markB
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = ServiceKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad service"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

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
