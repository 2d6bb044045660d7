/// One real server of one service, as the metric labels and `/status` name it.
public struct ServerLabels: Hashable, Sendable {
    /// The service's name, else `VIP:port`, `fwmark:N` or `fwmark:N/ipv6`.
    public var service: String
    /// `RIP:port`.
    public var realServer: String

    public init(service: String, realServer: String) {
        self.service = service
        self.realServer = realServer
    }

    /// The labels of a series of this server: `service` and `real_server`.
    var pairs: [(String, String)] { [("service", service), ("real_server", realServer)] }
}
