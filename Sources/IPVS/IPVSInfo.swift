/// What GET_INFO reports: the IPVS version and the connection hash table's size.
public struct IPVSInfo: Hashable, Sendable {
    /// Packed as 0x010201 for 1.2.1.
    public var version: UInt32
    public var connectionTableSize: UInt32

    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    /// `1.2.1`
    public var versionText: String { "\(version >> 16 & 0xff).\(version >> 8 & 0xff).\(version & 0xff)" }
}
