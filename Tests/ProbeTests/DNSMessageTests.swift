import Primitives
import Testing

@testable import Probe

/// The DNS query's bytes and the judgment of answers: recorded forms, wrong ones and garbage.
struct DNSMessageTests {
    /// An answer to `query` (id 0x1234): flags, the question echoed, then `records` (name pointer to the question).
    private func answer(
        id: UInt16 = 0x1234, flags: UInt16 = 0x8180, question: [UInt8]? = nil, records: [(UInt16, [UInt8])] = []
    ) -> [UInt8] {
        let asked =
            question ?? Array(DNSMessage.query(id: id, DNSQuery(name: "www.example.org", type: .a))!.dropFirst(12))
        var bytes: [UInt8] = [
            UInt8(id >> 8), UInt8(id & 0xff), UInt8(flags >> 8), UInt8(flags & 0xff), 0, 1, 0,
            UInt8(records.count), 0, 0, 0, 0,
        ]
        bytes += asked
        for (type, data) in records {
            bytes += [0xc0, 12, UInt8(type >> 8), UInt8(type & 0xff), 0, 1, 0, 0, 0x0e, 0x10, 0, UInt8(data.count)]
            bytes += data
        }
        return bytes
    }

    @Test func theQueryIsAStandardQuestionOfClassIN() {
        #expect(
            DNSMessage.query(id: 0xbeef, DNSQuery(name: "www.example.org.", type: .aaaa))
                == [0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
                + [3] + Array("www".utf8) + [7] + Array("example".utf8) + [3] + Array("org".utf8) + [0, 0, 28, 0, 1])
        #expect(DNSMessage.query(id: 1, DNSQuery())?.suffix(5) == [0, 0, 6, 0, 1])
        #expect(DNSMessage.encoded("a..b") == nil)
        #expect(DNSMessage.encoded(String(repeating: "x", count: 64)) == nil)
        #expect(
            DNSMessage.encoded(Array(repeating: String(repeating: "x", count: 63), count: 4).joined(separator: "."))
                == nil)
    }

    @Test func anAnswerWithTheIdAndNOERRORPasses() {
        #expect(DNSMessage.judge(answer(), id: 0x1234, DNSQuery()) == (.ok, ""))
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 5), ProbeClass.protocolError, "a DNS answer of 5 bytes, shorter than a header")
    ])
    func aShortAnswerIsAProtocolError(bytes: [UInt8], probeClass: ProbeClass, detail: String) {
        #expect(DNSMessage.judge(bytes, id: 0x1234, DNSQuery()) == (probeClass, detail))
    }

    @Test func aMismatchedIdOrAQueryIsAProtocolError() {
        #expect(
            DNSMessage.judge(answer(id: 7), id: 0x1234, DNSQuery()) == (.protocolError, "answer id 7, the query's 4660")
        )
        #expect(
            DNSMessage.judge(answer(flags: 0x0100), id: 0x1234, DNSQuery())
                == (.protocolError, "not a DNS response (QR unset)"))
    }

    @Test func anUnexpectedRcodeIsNamed() {
        #expect(
            DNSMessage.judge(answer(flags: 0x8182), id: 0x1234, DNSQuery()) == (
                .bodyMismatch, "SERVFAIL, expected NOERROR"
            ))
        #expect(
            DNSMessage.judge(answer(flags: 0x818b), id: 0x1234, DNSQuery()) == (
                .bodyMismatch, "rcode 11, expected NOERROR"
            ))
        let nx = DNSQuery(name: "nope.example.org", type: .a, expectRcodes: [.noError, .nxDomain])
        #expect(DNSMessage.judge(answer(flags: 0x8183), id: 0x1234, nx) == (.ok, ""))
    }

    @Test func anExpectedAddressMustBeInTheAnswerSection() {
        let query = DNSQuery(
            name: "www.example.org", type: .a, expectAddresses: [IPAddress("203.0.113.7")!, IPAddress("2001:db8::7")!])
        let records: [(UInt16, [UInt8])] = [
            (5, [3, 0x77, 0x77, 0x77, 0]), (1, [203, 0, 113, 9]), (1, [203, 0, 113, 7]),
        ]
        #expect(DNSMessage.judge(answer(records: records), id: 0x1234, query) == (.ok, ""))
        let six: [(UInt16, [UInt8])] = [(28, IPAddress("2001:db8::7")!.bytes)]
        #expect(DNSMessage.judge(answer(records: six), id: 0x1234, query) == (.ok, ""))
        #expect(
            DNSMessage.judge(answer(records: [(1, [203, 0, 113, 9])]), id: 0x1234, query)
                == (.bodyMismatch, "no expected address in the answer (found: 203.0.113.9)"))
        #expect(
            DNSMessage.judge(answer(flags: 0x8380), id: 0x1234, query)
                == (.bodyMismatch, "no expected address in the answer (found: none), truncated (TC)"))
    }

    @Test func aMalformedAnswerSectionIsAProtocolError() {
        let query = DNSQuery(name: "www.example.org", type: .a, expectAddresses: [IPAddress("203.0.113.7")!])
        var cut = answer(records: [(1, [203, 0, 113, 7])])
        cut.removeLast(2)
        #expect(
            DNSMessage.judge(cut, id: 0x1234, query) == (
                .protocolError, "a malformed DNS answer: it ends inside a record"
            ))
        var badLabel = answer(records: [(1, [203, 0, 113, 7])])
        badLabel[12] = 0x80
        #expect(
            DNSMessage.judge(badLabel, id: 0x1234, query)
                == (.protocolError, "a malformed DNS answer: a label of unknown kind 2"))
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let query = DNSQuery(name: "www.example.org", type: .a, expectAddresses: [IPAddress("203.0.113.7")!])
        for _ in 0..<20_000 {
            var bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if bytes.count >= 4 {
                (bytes[0], bytes[1], bytes[2]) = (0x12, 0x34, bytes[2] | 0x80)
                bytes[3] &= 0xf0
            }
            let (probeClass, _) = DNSMessage.judge(bytes, id: 0x1234, query)
            #expect([.ok, .protocolError, .bodyMismatch].contains(probeClass))
        }
    }
}
