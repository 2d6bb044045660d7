import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// `scheme: .tcp` with `send` or an expected answer: the conversation on the connection libcurl made, against
/// servers that greet, answer, answer wrongly, stay silent, close and reset.
struct TCPConversationTests {
    private func check(
        _ port: UInt16, send: String = "", expect: String? = nil, timeout: Duration = .seconds(5)
    ) throws -> NetworkCheck {
        try NetworkCheck(
            scheme: .tcp, address: IPAddress("127.0.0.1")!, port: port,
            expectedBody: try expect.map { pattern throws(BodyPattern.SyntaxError) in try BodyPattern(pattern) },
            timeout: timeout, send: Array(send.utf8))
    }

    @Test func aBannerThatMatchesPasses() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .banner("220 mail.example ESMTP ready\r\n"))
        defer { server.stop() }
        let result = try runOnce(try check(server.port, expect: "^220 "), on: loop)
        #expect(result.probeClass == .ok)
        #expect(result.detail == "")
        #expect(result.duration > .zero)
        #expect(server.requests.isEmpty)
    }

    @Test func aWrongBannerFailsAtTheDeadlineAsAWrongAnswer() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .banner("554 no service\r\n"))
        defer { server.stop() }
        let result = try runOnce(try check(server.port, expect: "^220 ", timeout: .milliseconds(300)), on: loop)
        #expect(result.probeClass == .bodyMismatch)
        #expect(result.detail == #"the answer does not match "^220 ": "554 no service..""#)
    }

    @Test func aLineSentIsAnsweredAsExpected() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .lineReply("+PONG\r\n"))
        defer { server.stop() }
        let result = try runOnce(try check(server.port, send: "PING\r\n", expect: #"^\+PONG"#), on: loop)
        #expect(result.probeClass == .ok)
        #expect(server.requests == ["PING\r\n"])
    }

    @Test func withoutAnExpectationAnyAnswerPasses() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .lineReply("-ERR whatever\r\n"))
        defer { server.stop() }
        #expect(try runOnce(try check(server.port, send: "HELLO\r\n"), on: loop).probeClass == .ok)
    }

    @Test func aWrongAnswerIsABodyMismatch() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .lineReply("-LOADING dataset\r\n"))
        defer { server.stop() }
        let result = try runOnce(
            try check(server.port, send: "PING\r\n", expect: #"^\+PONG"#, timeout: .milliseconds(300)), on: loop)
        #expect(result.probeClass == .bodyMismatch)
        #expect(result.detail.hasSuffix(#": "-LOADING dataset..""#))
    }

    @Test func silenceIsATimeout() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let result = try runOnce(try check(server.port, expect: "^220", timeout: .milliseconds(300)), on: loop)
        #expect(result.probeClass == .timeout)
        #expect(result.detail == "no answer before the deadline")
        #expect(result.duration >= .milliseconds(290) && result.duration < .seconds(2))
    }

    @Test func aCloseWithoutAnswerIsAProtocolError() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .close)
        defer { server.stop() }
        let result = try runOnce(try check(server.port, send: "QUIT\r\n\r\n", expect: "^221"), on: loop)
        #expect(result.probeClass == .protocolError)
        #expect(result.detail == "the server closed the connection without answering")
    }

    @Test func aResetIsAReset() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .reset)
        defer { server.stop() }
        let result = try runOnce(try check(server.port, send: "QUIT\r\n\r\n", expect: "^221"), on: loop)
        #expect(result.probeClass == .reset)
    }

    @Test func anAnswerPastTheLimitWithoutAMatchIsAMismatch() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .largeBody(bytes: 100_000))
        defer { server.stop() }
        let result = try runOnce(try check(server.port, send: "GET / HTTP/1.0\r\n\r\n", expect: "^220"), on: loop)
        #expect(result.probeClass == .bodyMismatch)
        #expect(result.detail.hasPrefix(#"the answer does not match "^220": "HTTP/1.1 200 OK..Content-Length"#))
    }

    @Test func aConversationCancelledEndsSilentlyAndClosesItsSocket() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        var ended = false
        let id = try engine.start(try check(server.port, expect: "^220", timeout: .milliseconds(500))) { _ in
            ended = true
        }
        try loop.run(until: { server.peers.count == 1 && engine.inFlight == 1 })
        // Connected and waiting for the banner.
        #expect(clientSockets(to: server.port) == 1)
        engine.cancel(id)
        #expect(engine.inFlight == 0)
        #expect(clientSockets(to: server.port) == 0)
        let stop = loop.now() + .milliseconds(800)
        try loop.run(until: { loop.now() >= stop })
        #expect(!ended)
    }

    @Test func socketsAreClosedWhenConversationsEnd() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .lineReply("+PONG\r\n"))
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        for _ in 0..<20 {
            #expect(
                try runOnce(try check(server.port, send: "PING\r\n", expect: "PONG"), on: loop, engine: engine)
                    .probeClass == .ok)
        }
        #expect(server.requests.count == 20)
        #expect(clientSockets(to: server.port) == 0)
    }

    private func dnsOverTCP(_ port: UInt16, timeout: Duration = .seconds(5)) throws -> NetworkCheck {
        try NetworkCheck(
            scheme: .tcp, address: IPAddress("127.0.0.1")!, port: port, timeout: timeout,
            datagram: .dns(DNSQuery(name: "check.lab", type: .a, overTCP: true)))
    }

    @Test func aDNSQueryOverTCPGoesAfterItsLengthAndItsAnswerIsJudged() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .dnsEcho(rcodeByte: 0x80))
        defer { server.stop() }
        let result = try runOnce(try dnsOverTCP(server.port), on: loop)
        #expect(result.probeClass == .ok)
        #expect(result.detail == "")
        #expect(server.requests.count == 1)
        let failing = try LoopbackServer(loop: loop, mode: .dnsEcho(rcodeByte: 0x82))
        defer { failing.stop() }
        let servfail = try runOnce(try dnsOverTCP(failing.port), on: loop)
        #expect(servfail.probeClass == .bodyMismatch)
        #expect(servfail.detail == "SERVFAIL, expected NOERROR")
    }

    @Test func aPartialOrOversizedDNSAnswerOverTCPIsClassified() throws {
        let loop = try EventLoop()
        let partial = try LoopbackServer(loop: loop, mode: .banner("\u{0}\u{40}abc"))
        defer { partial.stop() }
        let late = try runOnce(try dnsOverTCP(partial.port, timeout: .milliseconds(300)), on: loop)
        #expect(late.probeClass == .timeout)
        #expect(late.detail == "5 bytes of a DNS answer before the deadline")
        let oversized = try LoopbackServer(loop: loop, mode: .banner("\u{7f}\u{7f}"))
        defer { oversized.stop() }
        let big = try runOnce(try dnsOverTCP(oversized.port), on: loop)
        #expect(big.probeClass == .protocolError)
        #expect(big.detail == "a DNS answer of 32639 bytes, past 4094")
    }
}
