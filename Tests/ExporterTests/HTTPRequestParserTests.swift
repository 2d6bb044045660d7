import Testing

@testable import Exporter

@Suite struct HTTPRequestParserTests {
    private func parse(_ text: String, limit: Int = 8192) -> HTTPParseResult {
        HTTPRequestParser.parse(Array(text.utf8), limit: limit)
    }

    @Test func parsesAHeadAndSaysWhereItEnds() {
        let request = "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Upgrade\r\n\r\nGET /next"
        let head = HTTPRequestHead(
            method: "GET", path: "/metrics", minorVersion: 1, connectionOptions: ["keep-alive", "upgrade"])
        #expect(parse(request) == .request(head, length: request.utf8.count - 9))
    }

    @Test func acceptsBareLineFeedsLeadingBlankLinesAndAbsoluteTargets() {
        let head = HTTPRequestHead(method: "HEAD", path: "/status", minorVersion: 0)
        let request = "\r\nHEAD http://host:9469/status HTTP/1.0\n\n"
        #expect(parse(request) == .request(head, length: request.utf8.count))
    }

    @Test func connectionOptionsDecidePersistence() {
        #expect(HTTPRequestHead(method: "GET", path: "/", minorVersion: 1).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", path: "/", minorVersion: 1, connectionOptions: ["close"]).keepAlive)
        #expect(!HTTPRequestHead(method: "GET", path: "/", minorVersion: 0).keepAlive)
        #expect(HTTPRequestHead(method: "GET", path: "/", minorVersion: 0, connectionOptions: ["keep-alive"]).keepAlive)
    }

    @Test func bodiesAreNoticed() {
        for header in ["Content-Length: 3", "Transfer-Encoding: chunked"] {
            guard case .request(let head, _) = parse("POST / HTTP/1.1\r\nHost: a\r\n\(header)\r\n\r\n") else {
                Issue.record("not parsed with \(header)")
                continue
            }
            #expect(head.hasBody)
        }
        guard case .request(let head, _) = parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n") else {
            Issue.record("not parsed")
            return
        }
        #expect(!head.hasBody)
    }

    @Test func incompleteUntilTheBlankLine() {
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n") == .incomplete)
        #expect(parse("GE") == .incomplete)
        #expect(parse("") == .incomplete)
    }

    @Test func garbageIsRefusedBeforeTheHeadIsComplete() {
        #expect(parse("\u{16}\u{03}\u{01}") == .invalid(.badRequest))
        #expect(parse("GET /metrics\r\n") == .invalid(.badRequest))
        #expect(parse("GET /metrics HTTP/3.0\r\n") == .invalid(.versionNotSupported))
    }

    @Test func sizeLimitIsEnforcedWithOrWithoutAnEnd() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 100) + "\r\n\r\n"
        #expect(parse(big, limit: 64) == .invalid(.headerFieldsTooLarge))
        #expect(parse(String(repeating: "\r\n", count: 100), limit: 64) == .invalid(.headerFieldsTooLarge))
        #expect(parse(String(repeating: "G", count: 100), limit: 64) == .invalid(.headerFieldsTooLarge))
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n: empty name\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n",
    ])
    func malformedHeadsAre400(request: String) {
        #expect(parse(request) == .invalid(.badRequest))
    }
}
