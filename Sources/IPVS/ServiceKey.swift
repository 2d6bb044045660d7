import Primitives

/// What identifies an IPVS virtual service: protocol, address and port, or a firewall mark and family.
public enum ServiceKey: Hashable, Sendable, CustomStringConvertible {
    case address(TransportProtocol, IPAddress, port: UInt16)
    case fwmark(UInt32, family: AddressFamily)

    public var family: AddressFamily {
        switch self {
        case .address(_, let address, _): address.family
        case .fwmark(_, let family): family
        }
    }

    /// `tcp 198.51.100.33:8000`, `fwmark 5`, `fwmark 5 ipv6`.
    public var description: String {
        switch self {
        case .address(let proto, let address, let port): "\(proto) \(Endpoint(address: address, port: port))"
        case .fwmark(let mark, let family): family == .ipv4 ? "fwmark \(mark)" : "fwmark \(mark) ipv6"
        }
    }
}
