import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// Real libcurl transfers through the shim to in-process servers on 127.0.0.1.
struct ProbeEngineTests {
    /// Runs one probe of `check` (the server's port filled in) against a server in `mode`.
    func probe(
        _ mode: LoopbackServer.Mode, expectStatus: String = "200-399", body: String? = nil,
        timeout: Duration = .seconds(5), scheme: ProbeScheme = .http
    ) throws -> (ProbeResult, LoopbackServer) {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: mode)
        defer { server.stop() }
        let check = try NetworkCheck(
            scheme: scheme, address: IPAddress("127.0.0.1")!, port: server.port, host: "probe.test", path: "/health",
            expectedStatus: StatusRanges(parsing: expectStatus), expectedBody: body.map { try BodyPattern($0) },
            timeout: timeout)
        return (try runOnce(check, on: loop), server)
    }

    @Test func okReadsStatusBodyAndTimingThroughTheShim() throws {
        let (result, server) = try probe(.respond(status: 200, body: "hello drcheck\n"), body: "drcheck$")
        #expect(result.probeClass == .ok)
        #expect(result.status == 200)
        #expect(result.detail == "")
        #expect(result.duration > .zero)
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.hasPrefix("GET /health HTTP/1.1\r\nHost: probe.test:\(server.port)\r\n") == true)
    }

    @Test func wrongBodyIsBodyMismatch() throws {
        let (result, _) = try probe(.respond(status: 200, body: "maintenance\n"), body: "^ok")
        #expect(result.probeClass == .bodyMismatch)
        #expect(result.status == 200)
        #expect(result.detail == "body does not match \"^ok\"")
    }

    @Test func bodyIsReadOnlyUpToTheLimit() throws {
        let large = String(repeating: "a", count: 3 * ProbeEngine.bodyLimit)
        let (early, _) = try probe(.respond(status: 200, body: "needle" + large), body: "needle")
        #expect(early.probeClass == .ok)
        #expect(early.status == 200)
        let (late, _) = try probe(.respond(status: 200, body: large + "needle"), body: "needle")
        #expect(late.probeClass == .bodyMismatch)
    }

    @Test func serverErrorIsHTTPStatus() throws {
        let (result, _) = try probe(.respond(status: 500, body: "broken"))
        #expect(result.probeClass == .httpStatus)
        #expect(result.status == 500)
        #expect(result.detail == "status 500, expected 200-399")
    }

    @Test func redirectIsNotFollowed() throws {
        let redirect = LoopbackServer.Mode.respond(status: 302, headers: ["Location: /elsewhere"], body: "")
        let (strict, server) = try probe(redirect, expectStatus: "200")
        #expect(strict.probeClass == .httpStatus)
        #expect(strict.status == 302)
        #expect(server.requests.count == 1)
        let (lenient, _) = try probe(redirect, expectStatus: "200,300-399")
        #expect(lenient.probeClass == .ok)
        #expect(lenient.status == 302)
    }

    @Test func hangTimesOutAtTheDeadline() throws {
        let (result, _) = try probe(.hang, timeout: .milliseconds(300))
        #expect(result.probeClass == .timeout)
        #expect(result.status == nil)
        #expect(result.duration >= .milliseconds(300))
    }

    @Test func trickledBodyTimesOutAtTheDeadlineWhenItIsMatched() throws {
        let (result, _) = try probe(.trickle(every: .milliseconds(50)), body: "^ok", timeout: .milliseconds(400))
        #expect(result.probeClass == .timeout)
        #expect(result.status == 200)
        #expect(result.duration >= .milliseconds(400))
    }

    /// Without expect_body the status decides, and the probe ends with the head.
    @Test func trickledBodyIsNotWaitedForWhenNothingMatchesIt() throws {
        let (result, _) = try probe(.trickle(every: .milliseconds(50)), timeout: .milliseconds(400))
        #expect(result.probeClass == .ok)
        #expect(result.status == 200)
        #expect(result.duration < .milliseconds(400))
    }

    @Test func resetIsReset() throws {
        let (result, _) = try probe(.reset)
        #expect(result.probeClass == .reset)
        #expect(result.status == nil)
    }

    @Test func closeWithoutResponseIsProtocolError() throws {
        let (result, _) = try probe(.close)
        #expect(result.probeClass == .protocolError)
        #expect(result.detail == "Empty reply from server")
    }

    @Test func garbageIsProtocolError() throws {
        let (result, _) = try probe(.garbage)
        #expect(result.probeClass == .protocolError)
        #expect(result.status == nil)
    }

    @Test func nothingListeningIsConnectRefused() throws {
        let loop = try EventLoop()
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: refusing.port)
        let result = try runOnce(check, on: loop)
        #expect(result.probeClass == .connectRefused)
        #expect(result.status == nil)
    }

    @Test func tlsToAPlainHTTPPortIsTLSError() throws {
        let (result, _) = try probe(.respond(status: 400, body: "plain HTTP here"), scheme: .https)
        #expect(result.probeClass == .tlsError)
        #expect(result.status == nil)
    }

    @Test func sourceAddressIsBound() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { server.stop() }
        let check = try NetworkCheck(
            address: IPAddress("127.0.0.1")!, port: server.port, sourceAddress: IPAddress("127.0.0.2")!)
        #expect(try runOnce(check, on: loop).probeClass == .ok)
        #expect(server.peers == ["127.0.0.2"])
    }

    /// The director's own source address missing (EADDRNOTAVAIL) is the director's fault, not the server's.
    @Test func unbindableSourceIsLocalError() throws {
        let loop = try EventLoop()
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let check = try NetworkCheck(
            address: IPAddress("127.0.0.1")!, port: refusing.port, sourceAddress: IPAddress("203.0.113.1")!)
        let result = try runOnce(check, on: loop)
        #expect(result.probeClass == .localError)
    }

    @Test func markIsSetOnTheSocket() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { server.stop() }
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port, mark: 0x100)
        let result = try runOnce(check, on: loop)
        if geteuid() == 0 {
            #expect(result.probeClass == .ok)
        } else {
            #expect(result.probeClass == .connectError)
            #expect(result.detail == "SO_MARK 256: Operation not permitted")
        }
    }

    @Test func everyProbeUsesAFreshConnectionAndManyRunAtOnce() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port)
        var results: [ProbeClass] = []
        for _ in 0..<50 { try engine.start(check) { results.append($0.probeClass) } }
        #expect(engine.inFlight == 50)
        try loop.run(until: { results.count == 50 })
        #expect(results == Array(repeating: .ok, count: 50))
        #expect(server.peers.count == 50)
        #expect(engine.inFlight == 0)
    }

    @Test func cancelledProbeNeverCompletes() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port, timeout: .milliseconds(200))
        var cancelledResult: ProbeResult?
        var otherResult: ProbeResult?
        let id = try engine.start(check) { cancelledResult = $0 }
        try engine.start(check) { otherResult = $0 }
        engine.cancel(id)
        try loop.run(until: { otherResult != nil })
        #expect(otherResult?.probeClass == .timeout)
        #expect(cancelledResult == nil)
        #expect(engine.inFlight == 0)
    }
}
