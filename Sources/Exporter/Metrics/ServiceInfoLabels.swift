/// What `drcheck_service_info` says of one service: its address as IPVS keys it (`VIP:port` or `fwmark:N`), its
/// protocol and the type of its check.
public struct ServiceInfoLabels: Hashable, Sendable {
    public var address: String
    public var transport: String
    public var check: String

    public init(address: String, transport: String, check: String) {
        self.address = address
        self.transport = transport
        self.check = check
    }
}
