/// What identifies an IPVS virtual service: a VIP with its port and protocol, or a firewall mark with its address
/// family (IPVS keeps an IPv4 and an IPv6 service with the same mark apart, and so must drcheck).
/// Written `198.51.100.33:8000/tcp`, `fwmark:5` (IPv4) or `fwmark:5/ipv6` (its `description`: in logs, errors, the
/// state file): an IPv4 mark keeps the text it had before families were told apart, so older state files, dashboards
/// and alerts still name it; the family follows a slash like a virtual service's protocol.
public enum ServiceKey: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case virtual(Endpoint, TransportProtocol)
    case fwmark(UInt32, family: AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .virtual(let vip, _): vip.address.family
        case .fwmark(_, let family): family
        }
    }

    /// The VIP and port of a virtual service; nil for a fwmark service.
    public var vip: Endpoint? {
        if case .virtual(let vip, _) = self { return vip }
        return nil
    }

    public var description: String {
        switch self {
        case .virtual(let vip, let proto): "\(vip)/\(proto)"
        case .fwmark: label
        }
    }

    /// The metrics label of a service without a name: `VIP:port`, `fwmark:N` or `fwmark:N/ipv6`.
    public var label: String {
        switch self {
        case .virtual(let vip, _): vip.description
        case .fwmark(let mark, let family): family == .ipv4 ? "fwmark:\(mark)" : "fwmark:\(mark)/\(family)"
        }
    }

    /// Virtual services by VIP, port, protocol; then fwmark services by mark, IPv4 first.
    public static func < (a: ServiceKey, b: ServiceKey) -> Bool {
        switch (a, b) {
        case (.virtual(let vipA, let protoA), .virtual(let vipB, let protoB)):
            vipA != vipB ? vipA < vipB : protoA.description < protoB.description
        case (.virtual, .fwmark): true
        case (.fwmark, .virtual): false
        case (.fwmark(let markA, let familyA), .fwmark(let markB, let familyB)):
            (markA, familyA.rawValue) < (markB, familyB.rawValue)
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
