import Exporter
import Primitives
import Testing

@Suite struct HTTPErrorPathTests {
    @Test(arguments: [
        "HELLO\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n",
        "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}",
    ])
    func garbageIs400AndClosed(request: String) throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send(request)
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 400 Bad Request")
        #expect(response.headers["connection"] == "close")
        #expect(client.waitForClose())
    }

    @Test func otherHTTPVersionIs505() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 505 HTTP Version Not Supported")
        #expect(client.waitForClose())
    }

    @Test func headerPastTheLimitIs431AndClosed() throws {
        var limits = MetricsServerLimits.uncached
        limits.maxHeaderBytes = 1024
        let harness = try ServerHarness(limits: limits)
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 2000) + "\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
        #expect(client.waitForClose())
    }

    @Test func aMegabyteHeaderIs431AndTheServerStillAnswers() throws {
        let harness = try ServerHarness()
        let hostile = harness.connect()
        let megabyte = Array("GET /metrics HTTP/1.1\r\nX-Big: ".utf8) + [UInt8](repeating: 97, count: 1 << 20)
        var sent = hostile.send(megabyte)
        let response = try #require(hostile.response())
        #expect(response.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
        // The server discards what follows for a moment, then closes.
        harness.pump(for: .seconds(1)) {
            sent += hostile.send(Array(megabyte[sent...]))
            return sent == megabyte.count
        }
        #expect(hostile.waitForClose())
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
    }
}
