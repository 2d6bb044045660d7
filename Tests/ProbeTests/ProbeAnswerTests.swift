import EventLoop
import Primitives
import Testing

@testable import Probe

/// What a probe tells of the protocol the server speaks: discovery's evidence for a service it checks with HTTP.
extension ProbeEngineTests {
    @Test func anHTTPStatusLineIsHTTPWhateverTheStatus() throws {
        #expect(try probe(.respond(status: 200, body: "ok")).0.answer == .http)
        #expect(try probe(.respond(status: 500, body: "broken")).0.answer == .http)
    }

    @Test func bytesThatAreNotHTTPAreAnotherProtocol() throws {
        #expect(try probe(.garbage).0.answer == .other)
    }

    @Test func aBannerBeforeTheRequestIsAnotherProtocol() throws {
        let (smtp, _) = try probe(.banner("220 mail.test ESMTP ready\r\n"))
        #expect(smtp.probeClass == .protocolError)
        #expect(smtp.answer == .other)
        // A database's binary greeting: a length, a sequence number, a protocol version, a version string.
        let (mysql, _) = try probe(.banner("J\0\0\0\u{0A}8.0.36\0"))
        #expect(mysql.answer == .other)
    }

    @Test func anAnswerThatShowsNoProtocolIsOnlyConnected() throws {
        #expect(try probe(.close).0.answer == .connected)
        #expect(try probe(.reset).0.answer == .connected)
        let (hung, _) = try probe(.hang, timeout: .milliseconds(300))
        #expect(hung.probeClass == .timeout)
        #expect(hung.answer == .connected)
    }

    @Test func aFailedTLSHandshakeWasConnected() throws {
        let (result, _) = try probe(.respond(status: 400, body: "plain HTTP here"), scheme: .https)
        #expect(result.probeClass == .tlsError)
        #expect(result.answer == .connected)
    }

    @Test func aRefusedConnectIsNoAnswer() throws {
        let loop = try EventLoop()
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let result = try runOnce(try NetworkCheck(address: IPAddress("127.0.0.1")!, port: refusing.port), on: loop)
        #expect(result.probeClass == .connectRefused)
        #expect(result.answer == ProbeAnswer.none)
    }

    @Test func aConnectCheckThatPassedIsConnected() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .banner("220 mail.test ESMTP ready\r\n"))
        defer { server.stop() }
        let check = try NetworkCheck(scheme: .tcp, address: IPAddress("127.0.0.1")!, port: server.port)
        let result = try runOnce(check, on: loop)
        #expect(result.probeClass == .ok)
        #expect(result.answer == .connected)
    }
}
