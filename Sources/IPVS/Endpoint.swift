/// Parsing of the endpoints and service names an operator types.
extension IPAddress {
    /// `ADDR:PORT` or `[ADDR6]:PORT`; nil for anything else.
    public static func parseEndpoint(_ text: String) -> (address: IPAddress, port: UInt16)? {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(String(host)), let number = decimal(port, as: UInt16.self) else { return nil }
        return (address, number)
    }
}

extension ServiceKey {
    /// `tcp:VIP:PORT`, `udp:[VIP6]:PORT`, `sctp:VIP:PORT`, a bare `VIP:PORT` (tcp), `fwmark:N` or
    /// `fwmark:N:ipv6`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.first == "fwmark", parts.count == 2 {
            let mark = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard let number = decimal(mark[0], as: UInt32.self), number != 0, mark.count <= 2 else { return nil }
            guard mark.count == 1 || mark[1] == "ipv4" || mark[1] == "ipv6" else { return nil }
            self = .fwmark(number, family: mark.count == 2 && mark[1] == "ipv6" ? .ipv6 : .ipv4)
            return
        }
        let proto = TransportProtocol.allCases.first { parts.count == 2 && parts[0] == $0.description }
        guard let endpoint = IPAddress.parseEndpoint(proto == nil ? text : parts[1]) else { return nil }
        self = .address(proto ?? .tcp, endpoint.address, port: endpoint.port)
    }
}

/// Digits only (no sign, no spaces), within `T`'s range.
private func decimal<T: FixedWidthInteger>(_ text: Substring, as: T.Type) -> T? {
    guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
    return T(text)
}
