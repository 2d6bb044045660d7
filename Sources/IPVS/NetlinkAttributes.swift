/// The attributes of one netlink attribute stream (struct nlattr: u16 length, u16 type, payload padded to 4),
/// read in Swift so that every length is checked before a byte is used. A repeated type keeps the last one.
struct NetlinkAttributes {
    private var payloads: [Int: [UInt8]] = [:]

    init(_ bytes: UnsafeRawBufferPointer) throws(IPVSError) {
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            // NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top two bits of the type.
            let type = Int(bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3fff)
            guard length >= 4, offset + length <= bytes.count else {
                throw .malformedReply("attribute \(type) claims \(length) bytes, \(bytes.count - offset) left")
            }
            payloads[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += (length + 3) & ~3
        }
    }

    init(_ bytes: [UInt8]) throws(IPVSError) {
        var result: Result<NetlinkAttributes, IPVSError>!
        bytes.withUnsafeBytes { raw in result = Result { () throws(IPVSError) in try NetlinkAttributes(raw) } }
        self = try result.get()
    }

    func contains(_ type: Int) -> Bool { payloads[type] != nil }

    func bytes(_ type: Int) -> [UInt8]? { payloads[type] }

    /// An integer attribute of exactly `T`'s size, in host byte order; nil when absent.
    func optional<T: FixedWidthInteger>(_ type: Int, _ name: String, as: T.Type = T.self) throws(IPVSError) -> T? {
        guard let payload = payloads[type] else { return nil }
        guard payload.count == MemoryLayout<T>.size else {
            throw .malformedReply("\(name) has \(payload.count) bytes, expected \(MemoryLayout<T>.size)")
        }
        return payload.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    func required<T: FixedWidthInteger>(_ type: Int, _ name: String, as: T.Type = T.self) throws(IPVSError) -> T {
        guard let value = try optional(type, name, as: T.self) else { throw .malformedReply("\(name) missing") }
        return value
    }

    /// An unsigned counter sent as u32 (IPVS_*_ATTR_STATS) or u64 (STATS64); 0 when absent.
    func counter(_ type: Int, _ name: String) throws(IPVSError) -> UInt64 {
        switch payloads[type]?.count {
        case nil: return 0
        case 4: return UInt64(try required(type, name, as: UInt32.self))
        default: return try required(type, name, as: UInt64.self)
        }
    }

    /// A NUL-terminated string attribute; nil when absent.
    func string(_ type: Int) -> String? {
        payloads[type].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func nested(_ type: Int) throws(IPVSError) -> NetlinkAttributes? {
        guard let payload = payloads[type] else { return nil }
        return try NetlinkAttributes(payload)
    }
}
