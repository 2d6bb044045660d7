import Primitives

/// A check over UDP, run on the loop without libcurl: a payload and its reply, or a DNS query and its answer (a DNS
/// query over TCP goes over libcurl's connection instead, as a tcp conversation). It rides on a `NetworkCheck`
/// (`datagram`), which says where it goes (address, port, probe mark, source address) and its timeout, so the DR
/// path runs it as it runs every network check.
public enum DatagramCheck: Sendable, Equatable {
    /// Sends `payload`; passes on a reply (one whose first bytes match `expect`, when given), or, without
    /// `requireReply`, unless the server's host answers that nothing listens (ICMP port unreachable: keepalived's
    /// UDP_CHECK rule).
    case udp(payload: [UInt8], expect: BodyPattern?, requireReply: Bool)
    /// Asks `query`; passes on an answer with the query's id, an expected rcode and, when asked, an expected address.
    case dns(DNSQuery)

    /// A DNS query asked over TCP (`dns_transport: tcp`).
    var overTCP: Bool {
        if case .dns(let query) = self { return query.overTCP }
        return false
    }
}

/// A DNS query and what its answer must hold.
public struct DNSQuery: Sendable, Equatable {
    /// The name asked, `.` for the root.
    public var name: String
    public var type: DNSRecordType
    /// The response codes that pass (NOERROR by default).
    public var expectRcodes: [DNSRcode]
    /// When not empty, the answer section must hold one of these (A or AAAA records).
    public var expectAddresses: [IPAddress]
    /// Over TCP, each message after its two-byte length (RFC 1035 4.2.2), rather than in one datagram.
    public var overTCP: Bool

    public init(
        name: String = ".", type: DNSRecordType = .soa, expectRcodes: [DNSRcode] = [.noError],
        expectAddresses: [IPAddress] = [], overTCP: Bool = false
    ) {
        self.name = name
        self.type = type
        self.expectRcodes = expectRcodes
        self.expectAddresses = expectAddresses
        self.overTCP = overTCP
    }
}
