/// The labels of one ARP conflict: the VIP, the MAC that answers for it, and the real server that owns the MAC
/// (empty when unknown).
public struct ARPConflictLabels: Hashable, Sendable, Codable {
    public var vip: String
    public var mac: String
    public var realServer: String

    public init(vip: String, mac: String, realServer: String) {
        self.vip = vip
        self.mac = mac
        self.realServer = realServer
    }
}
