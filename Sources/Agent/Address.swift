#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address, printed in its canonical text form. Held as two integers so that hashing and comparing,
/// which the decision core does for every server on every turn, allocate nothing.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let isIPv6: Bool
    /// The address's bytes in network order, big-endian: IPv4 in the low 32 bits of `low`.
    private let high: UInt64
    private let low: UInt64

    /// 4 bytes for IPv4, 16 for IPv6, in network byte order.
    public var bytes: [UInt8] {
        let all =
            (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        return isIPv6 ? all : Array(all.suffix(4))
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        let padded = [UInt8](repeating: 0, count: 16 - bytes.count) + bytes
        isIPv6 = bytes.count == 16
        high = padded[..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = padded[8...].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (no brackets, no zone).
    public init?(_ text: String) {
        var v4 = [UInt8](repeating: 0, count: 4)
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: v4)
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(bytes: v6)
        } else {
            return nil
        }
    }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(isIPv6 ? AF_INET6 : AF_INET, bytes, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// IPv4 before IPv6, then numerically.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.isIPv6 ? 1 : 0, a.high, a.low) < (b.isIPv6 ? 1 : 0, b.high, b.low)
    }
}

/// An address and a port: a VIP or a real server, written `ADDR:PORT` or `[ADDR6]:PORT`.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses `ADDR:PORT` or `[ADDR6]:PORT`; the port must be 1-65535 unless `allowPortZero`.
    public init?(_ text: String, allowPortZero: Bool = false) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }  // IPv6 needs brackets
        }
        guard let address = IPAddress(String(host)), let port = UInt16(portText), port > 0 || allowPortZero,
            text.hasPrefix("[") == address.isIPv6
        else { return nil }
        self.init(address: address, port: port)
    }

    public var description: String { address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

    public static func < (a: Endpoint, b: Endpoint) -> Bool {
        a.address != b.address ? a.address < b.address : a.port < b.port
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let endpoint = Endpoint(text, allowPortZero: true) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad endpoint"))
        }
        self = endpoint
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
