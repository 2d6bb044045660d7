import FuzzSupport
import Testing

@testable import Exporter

/// Hostile request heads: the parser answers a request, "need more" or a status, never traps; and a head that
/// arrives in two pieces gets, once the second has come, the answer it gets whole (the connection parses what it
/// has after every read).
@Suite struct RequestParserFuzzTests {
    static let limit = 512
    static let valid = [
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9469\r\nAccept: */*\r\n\r\n",
        "\r\nHEAD http://host:9469/status?x=1 HTTP/1.0\nConnection: keep-alive\n\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close, Upgrade\r\n\r\nGET /next",
        "POST /metrics HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n",
    ].map { Array($0.utf8) }

    static func isClassified(_ result: HTTPParseResult) -> Bool {
        switch result {
        case .incomplete: true
        case .request(_, let length): length > 0
        case .invalid(let status): [400, 431, 505].contains(status.code)
        }
    }

    /// Mutated valid heads and random bytes.
    static func inputs() -> [[UInt8]] {
        var random = SplitMix64(seed: 0x4774)
        return (0..<8000).map { index in
            if index % 4 == 0 { return (0..<Int.random(in: 0...64, using: &random)).map { _ in random.next() } }
            return random.mutate(random.pick(valid))
        }
    }

    @Test func anyBytesGetAClassifiedAnswer() {
        var requests = 0
        for bytes in Self.inputs() {
            let result = HTTPRequestParser.parse(bytes, limit: Self.limit)
            #expect(Self.isClassified(result), "\(bytes)")
            #expect(Self.isClassified(HTTPRequestParser.parse(bytes, limit: 16)), "\(bytes)")
            if case .request(_, let length) = result {
                requests += 1
                #expect(length <= bytes.count)
            }
        }
        #expect(requests >= 100)
    }

    /// Every prefix of a head is "need more" or the whole head's answer; from the end of the head on, the answer.
    @Test func aHeadSplitAnywhereGetsTheAnswerItGetsWhole() {
        for bytes in Self.valid + Self.inputs().prefix(2000) {
            let whole = HTTPRequestParser.parse(bytes, limit: Self.limit)
            for cut in 0...bytes.count {
                let part = HTTPRequestParser.parse(Array(bytes[..<cut]), limit: Self.limit)
                switch whole {
                case .request(_, let length) where cut >= length: #expect(part == whole, "\(bytes) cut at \(cut)")
                default: #expect(part == .incomplete || part == whole, "\(bytes) cut at \(cut)")
                }
            }
        }
    }

    /// A blank line may come before the request line; its CR alone, the LF still to come, was refused with a 400.
    @Test func aBlankLineCutAfterItsCRIsAwaited() {
        #expect(HTTPRequestParser.parse(Array("\r".utf8), limit: Self.limit) == .incomplete)
        #expect(HTTPRequestParser.parse(Array("\n\r".utf8), limit: Self.limit) == .incomplete)
        let head = HTTPRequestHead(method: "GET", path: "/metrics", minorVersion: 0)
        #expect(
            HTTPRequestParser.parse(Array("\r\nGET /metrics HTTP/1.0\r\n\r\n".utf8), limit: Self.limit)
                == .request(head, length: 27))
    }
}
