import Primitives

/// A DNS query as bytes, and the judgment of the answer (RFC 1035's message format): no resolver library and no
/// state kept between probes.
enum DNSMessage {
    /// The query's bytes: header (recursion desired), one question of class IN; nil when `name` is no DNS name (a
    /// label empty or past 63 bytes, the whole past 255).
    static func query(id: UInt16, _ query: DNSQuery) -> [UInt8]? {
        guard let name = encoded(query.name) else { return nil }
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        bytes += name
        bytes += [UInt8(query.type.code >> 8), UInt8(query.type.code & 0xff), 0, 1]
        return bytes
    }

    /// `name` in labels; the root is `.` (or empty), a trailing dot is allowed.
    static func encoded(_ name: String) -> [UInt8]? {
        let labels = name == "." ? [] : name.split(separator: ".", omittingEmptySubsequences: false).map(Array.init)
        var bytes: [UInt8] = []
        for (index, label) in labels.enumerated() {
            if label.isEmpty, index == labels.count - 1, index > 0 { break }
            let utf8 = Array(String(label).utf8)
            guard (1...63).contains(utf8.count) else { return nil }
            bytes += [UInt8(utf8.count)] + utf8
        }
        bytes.append(0)
        return bytes.count <= 255 ? bytes : nil
    }

    /// The probe's verdict on `answer` to the query with `id`: its class and what to say of it.
    static func judge(_ answer: [UInt8], id: UInt16, _ query: DNSQuery) -> (ProbeClass, String) {
        guard answer.count >= 12 else {
            return (.protocolError, "a DNS answer of \(answer.count) bytes, shorter than a header")
        }
        let answerID = UInt16(answer[0]) << 8 | UInt16(answer[1])
        guard answerID == id else { return (.protocolError, "answer id \(answerID), the query's \(id)") }
        guard answer[2] & 0x80 != 0 else { return (.protocolError, "not a DNS response (QR unset)") }
        let truncated = answer[2] & 0x02 != 0
        let code = answer[3] & 0x0f
        let rcode = DNSRcode(code: code)?.rawValue ?? "rcode \(code)"
        guard query.expectRcodes.contains(where: { $0.code == code }) else {
            let expected = query.expectRcodes.map(\.rawValue).joined(separator: ", ")
            return (.bodyMismatch, "\(rcode), expected \(expected)")
        }
        guard !query.expectAddresses.isEmpty else { return (.ok, "") }
        let found: [IPAddress]
        do {
            found = try addresses(in: answer)
        } catch {
            return (.protocolError, "a malformed DNS answer: \(error.reason)")
        }
        if found.contains(where: query.expectAddresses.contains) { return (.ok, "") }
        let seen = found.isEmpty ? "none" : found.map(\.description).joined(separator: ", ")
        return (
            .bodyMismatch, "no expected address in the answer (found: \(seen))\(truncated ? ", truncated (TC)" : "")"
        )
    }

    struct Malformed: Error {
        var reason: String
    }

    /// The A and AAAA records of the answer section.
    static func addresses(in message: [UInt8]) throws(Malformed) -> [IPAddress] {
        var reader = Reader(bytes: message, at: 12)
        let questions = Int(UInt16(message[4]) << 8 | UInt16(message[5]))
        let answers = Int(UInt16(message[6]) << 8 | UInt16(message[7]))
        for _ in 0..<questions {
            try reader.skipName()
            try reader.skip(4)
        }
        var found: [IPAddress] = []
        for _ in 0..<answers {
            try reader.skipName()
            let type = try reader.u16()
            try reader.skip(6)
            let length = Int(try reader.u16())
            let data = try reader.take(length)
            if (type == 1 && length == 4) || (type == 28 && length == 16), let address = IPAddress(bytes: data) {
                found.append(address)
            }
        }
        return found
    }

    private struct Reader {
        let bytes: [UInt8]
        var at: Int

        mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard count <= bytes.count - at else { throw Malformed(reason: "it ends inside a record") }
            defer { at += count }
            return bytes[at..<at + count]
        }

        mutating func skip(_ count: Int) throws(Malformed) { _ = try take(count) }

        mutating func u16() throws(Malformed) -> UInt16 {
            let two = try take(2)
            return UInt16(two[two.startIndex]) << 8 | UInt16(two[two.startIndex + 1])
        }

        /// Past a name: labels up to the root, or a compression pointer, which ends it.
        mutating func skipName() throws(Malformed) {
            while true {
                let length = try take(1).first!
                switch length & 0xc0 {
                case 0xc0: return try skip(1)
                case 0: if length == 0 { return } else { try skip(Int(length)) }
                default: throw Malformed(reason: "a label of unknown kind \(length >> 6)")
                }
            }
        }
    }
}
