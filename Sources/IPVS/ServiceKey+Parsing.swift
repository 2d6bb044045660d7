import Primitives

extension ServiceKey {
    /// `tcp:VIP:PORT`, `udp:[VIP6]:PORT`, `sctp:VIP:PORT`, a bare `VIP:PORT` (tcp), `fwmark:N`, or
    /// `fwmark:N:ipv6` and `fwmark:N/ipv6` (the daemon's label for it); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.first == "fwmark", parts.count == 2 {
            let mark = parts[1].split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "/" })
            let family = mark.count == 2 ? AddressFamily(named: mark[1]) : .ipv4
            guard mark[0].isDecimalDigits, let number = UInt32(mark[0]), number != 0, mark.count <= 2, let family else {
                return nil
            }
            self = .fwmark(number, family: family)
            return
        }
        let proto = parts.count == 2 ? TransportProtocol(named: parts[0]) : nil
        guard let endpoint = Endpoint(proto == nil ? text : parts[1], allowPortZero: true) else { return nil }
        self = .address(proto ?? .tcp, endpoint.address, port: endpoint.port)
    }
}
