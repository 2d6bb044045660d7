import Glibc

/// An IPv4 or IPv6 address as IPVS carries it, parsed and printed the way ipvsadm does (inet_pton / inet_ntop).
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]

    public var family: AddressFamily { bytes.count == 4 ? .ipv4 : .ipv6 }

    /// nil unless `bytes` has 4 or 16 elements.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted-quad IPv4 or textual IPv6 (no brackets, no zone); nil for anything else.
    public init?(_ text: String) {
        for family in [AddressFamily.ipv4, .ipv6] {
            var buffer = [UInt8](repeating: 0, count: family.addressLength)
            if inet_pton(family.rawValue, text, &buffer) == 1 {
                self.bytes = buffer
                return
            }
        }
        return nil
    }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(family.rawValue, bytes, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `ADDR:PORT`, with IPv6 in brackets, as ipvsadm prints an endpoint.
    public func endpoint(port: UInt16) -> String {
        family == .ipv6 ? "[\(self)]:\(port)" : "\(self):\(port)"
    }

    /// IPv4 before IPv6, then by bytes.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.bytes.count != b.bytes.count ? a.bytes.count < b.bytes.count : a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}

/// The address families IPVS knows, with their AF_ numbers.
public enum AddressFamily: Int32, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case ipv4 = 2  // AF_INET
    case ipv6 = 10  // AF_INET6

    public var addressLength: Int { self == .ipv4 ? 4 : 16 }

    public var description: String { self == .ipv4 ? "ipv4" : "ipv6" }
}
