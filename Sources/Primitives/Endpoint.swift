/// An address and a port: a VIP or a real server, written `ADDR:PORT` or `[ADDR6]:PORT`.
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) { (self.address, self.port) = (address, port) }

    /// Parses `ADDR:PORT` or `[ADDR6]:PORT` (IPv6 always in brackets, IPv4 never; the port in decimal digits only);
    /// the port must be 1-65535 unless `allowPortZero`.
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
        guard let address = IPAddress(String(host)), text.hasPrefix("[") == (address.family == .ipv6),
            portText.isDecimalDigits, let port = UInt16(portText), port > 0 || allowPortZero
        else { return nil }
        self.init(address: address, port: port)
    }

    public var description: String { address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

    /// By address (IPv4 first), then port.
    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }

    /// As its text; port 0 is allowed (the destinations of fwmark services have it).
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
