extension ServiceKey {
    /// Reads its own text (`VIP:PORT/tcp`, `fwmark:N`, `fwmark:N/ipv6`) and the forms an operator types after
    /// ipvsadm: `tcp:VIP:PORT`, `udp:[VIP6]:PORT`, a bare `VIP:PORT` (tcp), `fwmark:N:ipv6`. Port 0 is allowed (a
    /// persistent service on every port has it); nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("fwmark:") {
            let mark = text.dropFirst("fwmark:".count).split(
                omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "/" })
            let family = mark.count == 2 ? AddressFamily(named: mark[1]) : .ipv4
            guard mark.count <= 2, mark[0].isDecimalDigits, let number = UInt32(mark[0]), number != 0, let family else {
                return nil
            }
            self = .fwmark(number, family: family)
            return
        }
        if let slash = text.lastIndex(of: "/") {
            guard let proto = TransportProtocol(named: text[text.index(after: slash)...]),
                let vip = Endpoint(String(text[..<slash]), allowPortZero: true)
            else { return nil }
            self = .virtual(vip, proto)
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let proto = parts.count == 2 ? TransportProtocol(named: parts[0]) : nil
        guard let vip = Endpoint(proto == nil ? text : parts[1], allowPortZero: true) else { return nil }
        self = .virtual(vip, proto ?? .tcp)
    }
}
