import Primitives

extension ServiceKey {
    /// `tcp:VIP:PORT`, `udp:[VIP6]:PORT`, `sctp:VIP:PORT`, a bare `VIP:PORT` (tcp), `fwmark:N`, or
    /// `fwmark:N:ipv6` and `fwmark:N/ipv6` (the daemon's label for it); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.first == "fwmark", parts.count == 2 {
            let mark = parts[1].split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "/" })
            guard mark[0].isDecimalDigits, let number = UInt32(mark[0]), number != 0, mark.count <= 2 else {
                return nil
            }
            guard mark.count == 1 || mark[1] == "ipv4" || mark[1] == "ipv6" else { return nil }
            self = .fwmark(number, family: mark.count == 2 && mark[1] == "ipv6" ? .ipv6 : .ipv4)
            return
        }
        let proto = TransportProtocol.allCases.first { parts.count == 2 && parts[0] == $0.description }
        guard let endpoint = Endpoint(proto == nil ? text : parts[1], allowPortZero: true) else { return nil }
        self = .address(proto ?? .tcp, endpoint.address, port: endpoint.port)
    }
}
