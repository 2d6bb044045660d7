/// The transport protocol of an address-keyed IPVS service, with its IP protocol number (what IPVS carries);
/// written `tcp`, `udp`, `sctp` in the config, logs and the state file.
public enum TransportProtocol: UInt16, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case tcp = 6
    case udp = 17
    case sctp = 132

    public var description: String {
        switch self {
        case .tcp: "tcp"
        case .udp: "udp"
        case .sctp: "sctp"
        }
    }
}
