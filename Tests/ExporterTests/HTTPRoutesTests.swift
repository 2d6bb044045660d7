import Exporter
import Testing

@Suite struct HTTPRoutesTests {
    @Test func metricsAnswersTheExpositionWithPrometheusContentType() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 200 OK")
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(response.headers["content-length"] == "15")
        #expect(response.headers["connection"] == nil)
        #expect(response.body == "drcheck_test 1\n")
    }

    @Test func statusAnswersTheDocumentAsJSON() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /status?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 200 OK")
        #expect(response.headers["content-type"] == "application/json")
        #expect(try StatusDocument(json: Array(response.body.utf8)) == StatusFixtures.document)
        #expect(response.body.contains(#""configured_weight":5"#))
    }

    @Test func healthzIs503UntilEveryServerWasProbedThen200() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let before = try #require(client.response())
        #expect(before.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(before.body == "not ready: not every real server has been probed yet\n")
        harness.ready = true
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let after = try #require(client.response())
        #expect(after.statusLine == "HTTP/1.1 200 OK")
        #expect(after.body == "ok\n")
    }

    @Test func headHasTheHeadersOfGetAndNoBody() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try #require(client.response(bodyExpected: false))
        #expect(head.statusLine == "HTTP/1.1 200 OK")
        #expect(head.headers["content-length"] == "15")
        #expect(head.body == "")
        // The next bytes on the connection are the second response, not a body.
        let next = try #require(client.response())
        #expect(next.statusLine == "HTTP/1.1 503 Service Unavailable")
    }

    @Test func unknownPathIs404() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 404 Not Found")
        #expect(response.body == "not found: try /metrics, /status, /verdicts or /healthz\n")
    }

    @Test(arguments: ["DELETE", "PUT", "OPTIONS"])
    func otherMethodsAre405WithAllow(method: String) throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("\(method) /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 405 Method Not Allowed")
        #expect(response.headers["allow"] == "GET, HEAD")
        #expect(response.headers["connection"] == nil)
    }

    @Test func postWithABodyIs413AndClosed() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 413 Content Too Large")
        #expect(response.headers["connection"] == "close")
        #expect(client.waitForClose())
    }
}
