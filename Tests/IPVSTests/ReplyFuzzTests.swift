import CNetlink
import FuzzSupport
import Glibc
import Primitives
import Testing

@testable import IPVS

/// Kernel replies cut short, with bytes changed and attribute lengths that point anywhere: every decoder gives a
/// value or `IPVSError.malformedReply`, never traps.
@Suite struct ReplyFuzzTests {
    /// The attribute bytes of a reply that `body` fills.
    static func reply(_ body: (NetlinkRequest) throws(IPVSError) -> Void) throws -> [UInt8] {
        let message = try NetlinkRequest(family: 0x20, command: 1, named: "reply")
        try body(message)
        return message.attributeBytes
    }

    static func stats(_ message: NetlinkRequest, _ type: Int, wide: Bool) throws(IPVSError) {
        try message.nest(type) { (stats) throws(IPVSError) in
            for counter in [IPVS_STATS_ATTR_CONNS, IPVS_STATS_ATTR_INBYTES, IPVS_STATS_ATTR_OUTBPS] {
                try stats.put(counter, bytes: wide ? Array(repeating: 0xFF, count: 8) : [7, 0, 0, 0])
            }
        }
    }

    /// Valid replies: a virtual and a fwmark service, a destination, the info.
    static let valid: [[UInt8]] = try! [
        reply { (message) throws(IPVSError) in
            try message.nest(IPVS_CMD_ATTR_SERVICE) { (service) throws(IPVSError) in
                try service.put(IPVS_SVC_ATTR_AF, u16: 10)
                try service.put(IPVS_SVC_ATTR_PROTOCOL, u16: 17)
                try service.put(IPVS_SVC_ATTR_ADDR, bytes: IPAddress("2001:db8::33")!.bytes)
                try service.put(IPVS_SVC_ATTR_PORT, u16: UInt16(53).bigEndian)
                try service.put(IPVS_SVC_ATTR_SCHED_NAME, string: "wlc")
                try service.put(IPVS_SVC_ATTR_FLAGS, bytes: [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
                for type in [IPVS_SVC_ATTR_TIMEOUT, IPVS_SVC_ATTR_NETMASK] { try service.put(type, u32: 128) }
                try stats(service, IPVS_SVC_ATTR_STATS64, wide: true)
            }
        },
        reply { (message) throws(IPVSError) in
            try message.nest(IPVS_CMD_ATTR_SERVICE) { (service) throws(IPVSError) in
                try service.put(IPVS_SVC_ATTR_AF, u16: 2)
                try service.put(IPVS_SVC_ATTR_FWMARK, u32: 5)
                try service.put(IPVS_SVC_ATTR_PE_NAME, string: "sip")
                try service.put(IPVS_SVC_ATTR_FLAGS, bytes: Array(repeating: 0, count: 8))
                for type in [IPVS_SVC_ATTR_TIMEOUT, IPVS_SVC_ATTR_NETMASK] { try service.put(type, u32: 0) }
                try stats(service, IPVS_SVC_ATTR_STATS, wide: false)
            }
        },
        reply { (message) throws(IPVSError) in
            try message.nest(IPVS_CMD_ATTR_DEST) { (dest) throws(IPVSError) in
                try dest.put(IPVS_DEST_ATTR_ADDR, bytes: [203, 0, 113, 21] + Array(repeating: 0, count: 12))
                try dest.put(IPVS_DEST_ATTR_PORT, u16: UInt16(80).bigEndian)
                try dest.put(IPVS_DEST_ATTR_ADDR_FAMILY, u16: 2)
                let counters = [
                    IPVS_DEST_ATTR_FWD_METHOD, IPVS_DEST_ATTR_WEIGHT, IPVS_DEST_ATTR_U_THRESH, IPVS_DEST_ATTR_L_THRESH,
                    IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_INACT_CONNS, IPVS_DEST_ATTR_PERSIST_CONNS,
                ]
                for type in counters { try dest.put(type, u32: 2) }
                try dest.put(IPVS_DEST_ATTR_TUN_TYPE, u8: 2)
                for type in [IPVS_DEST_ATTR_TUN_PORT, IPVS_DEST_ATTR_TUN_FLAGS] { try dest.put(type, u16: 1) }
                try stats(dest, IPVS_DEST_ATTR_STATS64, wide: true)
                try stats(dest, IPVS_DEST_ATTR_STATS, wide: false)
            }
        },
        reply { (message) throws(IPVSError) in
            for type in [IPVS_INFO_ATTR_VERSION, IPVS_INFO_ATTR_CONN_TAB_SIZE] { try message.put(type, u32: 4096) }
        },
    ]

    /// A valid reply after random edits, or with a random 16-bit value (an attribute's length or type) written
    /// at an even offset.
    static func inputs() -> [[UInt8]] {
        var random = SplitMix64(seed: 0x1975)
        return (0..<8000).map { _ in
            var bytes = random.pick(valid)
            guard Bool.random(using: &random) else { return random.mutate(bytes) }
            let at = Int.random(in: 0..<bytes.count / 2, using: &random) * 2
            let value = random.pick([0, 1, 3, 4, 5, 8, 0xFFFF, UInt16.random(in: 0...0xFFFF, using: &random)])
            (bytes[at], bytes[at + 1]) = (UInt8(value & 0xFF), UInt8(value >> 8))
            return bytes
        }
    }

    /// The decoded value, or nil when the reply is refused as malformed; any other error is an issue.
    static func decoded<T>(_ decode: () throws(IPVSError) -> T) -> T? {
        do {
            return try decode()
        } catch {
            guard case .malformedReply = error else {
                Issue.record("not malformedReply: \(error)")
                return nil
            }
            return nil
        }
    }

    @Test func everyReplyDecodesOrIsMalformed() {
        var values = 0
        for bytes in Self.valid + Self.inputs() {
            guard let reply = Self.decoded({ () throws(IPVSError) in try NetlinkAttributes(bytes) }) else { continue }
            let results: [Any?] = [
                Self.decoded { () throws(IPVSError) in try IPVSInfo(reply: reply) },
                Self.decoded { () throws(IPVSError) in try Service(reply: reply) },
                Self.decoded { () throws(IPVSError) in try Destination(reply: reply, serviceFamily: .ipv4) },
                Self.decoded { () throws(IPVSError) in try Destination(reply: reply, serviceFamily: .ipv6) },
            ]
            values += results.compactMap { $0 }.count
            Self.walk(reply, depth: 2)
        }
        #expect(values >= 500)
    }

    /// Reads every attribute type every way, nested ones too.
    static func walk(_ attributes: NetlinkAttributes, depth: Int) {
        for type in 0..<24 {
            _ = (attributes.contains(type), attributes.bytes(type), attributes.string(type))
            _ = decoded { () throws(IPVSError) in try attributes.counter(type, "COUNTER") }
            guard depth > 0, let nest = decoded({ () throws(IPVSError) in try attributes.nested(type) }) ?? nil else {
                continue
            }
            walk(nest, depth: depth - 1)
        }
    }

    /// A nested attribute whose inner length runs past the nest is refused, though it fits in the reply.
    @Test func aNestedLengthPastItsNestIsMalformed() throws {
        let reply = try NetlinkAttributes([8, 0, UInt8(IPVS_CMD_ATTR_SERVICE), 0, 12, 0, 1, 0])
        #expect(throws: IPVSError.malformedReply("attribute 1 claims 12 bytes, 4 left")) { try Service(reply: reply) }
    }

    /// An NLMSG_ERROR carries the errno negated; Int32.min, which has no negation, trapped.
    @Test func anErrorMessageGivesItsErrnoOrEIO() {
        var random = SplitMix64(seed: 0xE770)
        let values =
            [0, -1, -ENOENT, 1, Int32.max, Int32.min]
            + (0..<1000).map { _ in Int32.random(in: .min ... .max, using: &random) }
        for value in values {
            let receiver = Receiver { _ in }
            var message = nlmsgerr()
            message.error = value
            _ = receiver.error(&message)
            #expect(receiver.errno == (value == .min ? EIO : -value))
            #expect(receiver.finished)
        }
        let receiver = Receiver { _ in }
        _ = receiver.error(nil)
        #expect(receiver.errno == EIO)
    }
}
