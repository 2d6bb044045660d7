/// The attributes of one netlink attribute stream (struct nlattr: u16 length, u16 type, payload padded to 4),
/// read in Swift so that every length is checked before a byte is used. A repeated type keeps the last one.
/// Nested streams share the reply's bytes; only the span of each attribute is kept.
struct NetlinkAttributes {
    private let bytes: [UInt8]
    /// Payload range in `bytes` by attribute type; IPVS types are small numbers.
    private var spans: [Range<Int>?] = []

    init(_ raw: UnsafeRawBufferPointer) throws(IPVSError) {
        try self.init(Array(raw))
    }

    init(_ bytes: [UInt8]) throws(IPVSError) {
        try self.init(bytes, within: bytes.indices)
    }

    private init(_ bytes: [UInt8], within range: Range<Int>) throws(IPVSError) {
        self.bytes = bytes
        var offset = range.lowerBound
        while offset + 4 <= range.upperBound {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            // NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top two bits of the type.
            let type = (Int(bytes[offset + 2]) | Int(bytes[offset + 3]) << 8) & 0x3fff
            guard length >= 4, offset + length <= range.upperBound else {
                throw .malformedReply("attribute \(type) claims \(length) bytes, \(range.upperBound - offset) left")
            }
            if type >= spans.count { spans += Array(repeating: nil, count: type + 1 - spans.count) }
            spans[type] = (offset + 4)..<(offset + length)
            offset += (length + 3) & ~3
        }
    }

    private func span(_ type: Int) -> Range<Int>? { type < spans.count ? spans[type] : nil }

    func contains(_ type: Int) -> Bool { span(type) != nil }

    func bytes(_ type: Int) -> [UInt8]? { span(type).map { Array(bytes[$0]) } }

    /// An integer attribute of exactly `T`'s size, in host byte order; nil when absent.
    func optional<T: FixedWidthInteger>(_ type: Int, _ name: String, as: T.Type = T.self) throws(IPVSError) -> T? {
        guard let span = span(type) else { return nil }
        guard span.count == MemoryLayout<T>.size else {
            throw .malformedReply("\(name) has \(span.count) bytes, expected \(MemoryLayout<T>.size)")
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: span.lowerBound, as: T.self) }
    }

    func required<T: FixedWidthInteger>(_ type: Int, _ name: String, as: T.Type = T.self) throws(IPVSError) -> T {
        guard let value = try optional(type, name, as: T.self) else { throw .malformedReply("\(name) missing") }
        return value
    }

    /// An unsigned counter sent as u32 (IPVS_*_ATTR_STATS) or u64 (STATS64); 0 when absent.
    func counter(_ type: Int, _ name: String) throws(IPVSError) -> UInt64 {
        switch span(type)?.count {
        case nil: return 0
        case 4: return UInt64(try required(type, name, as: UInt32.self))
        default: return try required(type, name, as: UInt64.self)
        }
    }

    /// A NUL-terminated string attribute; nil when absent.
    func string(_ type: Int) -> String? {
        span(type).map { String(decoding: bytes[$0].prefix { $0 != 0 }, as: UTF8.self) }
    }

    func nested(_ type: Int) throws(IPVSError) -> NetlinkAttributes? {
        guard let span = span(type) else { return nil }
        return try NetlinkAttributes(bytes, within: span)
    }
}
