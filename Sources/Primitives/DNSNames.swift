/// The record types a health query asks for, by their config names.
public enum DNSRecordType: String, Sendable, CaseIterable {
    case a = "A"
    case ns = "NS"
    case cname = "CNAME"
    case soa = "SOA"
    case ptr = "PTR"
    case mx = "MX"
    case txt = "TXT"
    case aaaa = "AAAA"
    case srv = "SRV"
    case any = "ANY"

    public var code: UInt16 {
        switch self {
        case .a: 1
        case .ns: 2
        case .cname: 5
        case .soa: 6
        case .ptr: 12
        case .mx: 15
        case .txt: 16
        case .aaaa: 28
        case .srv: 33
        case .any: 255
        }
    }
}

/// DNS response codes (RFC 1035, 2136), by their config names.
public enum DNSRcode: String, Sendable, CaseIterable {
    case noError = "NOERROR"
    case formErr = "FORMERR"
    case servFail = "SERVFAIL"
    case nxDomain = "NXDOMAIN"
    case notImp = "NOTIMP"
    case refused = "REFUSED"

    public init?(code: UInt8) {
        guard let known = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = known
    }

    public var code: UInt8 {
        switch self {
        case .noError: 0
        case .formErr: 1
        case .servFail: 2
        case .nxDomain: 3
        case .notImp: 4
        case .refused: 5
        }
    }
}
