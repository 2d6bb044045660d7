import Glibc

/// The address families drcheck handles, with their AF_ numbers (what IPVS and the socket API carry).
public enum AddressFamily: Int32, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case ipv4 = 2  // AF_INET
    case ipv6 = 10  // AF_INET6

    public var addressLength: Int { self == .ipv4 ? 4 : 16 }

    public var description: String { self == .ipv4 ? "ipv4" : "ipv6" }
}

/// An IPv4 or IPv6 address, parsed and printed as inet_pton and inet_ntop do (ipvsadm's text). Held as two integers
/// so that hashing and comparing, done for every server on every turn of the decision core and for every destination
/// of an IPVS dump, allocate nothing.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address's 16 bytes in network order, big-endian; IPv4 is the low 32 bits of `low`.
    @usableFromInline let high: UInt64
    @usableFromInline let low: UInt64
    /// Last, so that a port beside the address (an `Endpoint`) fits in the padding: every server's key is 16 bytes
    /// smaller in each table the daemon keeps by server.
    public let family: AddressFamily

    /// From 4 (IPv4) or 16 (IPv6) bytes in network order; nil for any other length. Inlinable so that the caller's
    /// collection type (an IPVS dump's attribute bytes) is specialized rather than walked through witness tables.
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: family = .ipv4
        case 16: family = .ipv6
        default: return nil
        }
        var words: (high: UInt64, low: UInt64) = (0, 0)
        for byte in bytes { words = (words.high << 8 | words.low >> 56, words.low << 8 | UInt64(byte)) }
        (high, low) = words
    }

    /// Dotted-quad IPv4 or textual IPv6 (no brackets, no zone); nil for anything else.
    public init?(_ text: String) {
        var buffer: (UInt64, UInt64) = (0, 0)  // room for either family
        // inet_pton sees the text as a C string, which a NUL would end early: "198.51.100.7\0junk" is not an address.
        guard !text.utf8.contains(0),
            let family = AddressFamily.allCases.first(where: { inet_pton($0.rawValue, text, &buffer) == 1 }),
            let address = withUnsafeBytes(of: buffer, { IPAddress(bytes: $0.prefix(family.addressLength)) })
        else { return nil }
        self = address
    }

    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0.suffix(family.addressLength)) }
    }

    /// IPv6 in inet_ntop's compressed form (`2001:db8::21`, `::ffff:198.51.100.2`).
    public var description: String {
        guard family == .ipv6 else { return "\(low >> 24 & 0xff).\(low >> 16 & 0xff).\(low >> 8 & 0xff).\(low & 0xff)" }
        var words = (high.bigEndian, low.bigEndian)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &words, &text, socklen_t(text.count))
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// IPv4 before IPv6, then numerically.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.family.rawValue, a.high, a.low) < (b.family.rawValue, b.high, b.low)
    }
}
