import Testing

@testable import Probe

/// Answers no health endpoint gives, which must neither be misread nor cost the director their size.
extension ProbeEngineTests {
    static let hundredMB = 100 << 20

    @Test func aHeaderLineBeyondLibcurlsLimitIsProtocolError() throws {
        let line = "X-Big: " + String(repeating: "a", count: 1 << 20)
        let (result, _) = try probe(.respond(status: 200, headers: [line], body: "ok"))
        #expect(result.probeClass == .protocolError)
        #expect(result.status == 200)
        #expect(result.detail == "a response header line longer than libcurl accepts (100 KB)")
    }

    @Test func aHeadBeyondTheLimitIsProtocolError() throws {
        let lines = (0..<20).map { "X-Filler-\($0): " + String(repeating: "b", count: 4000) }
        let (result, _) = try probe(.respond(status: 200, headers: lines, body: "ok"))
        #expect(result.probeClass == .protocolError)
        #expect(result.status == 200)
        #expect(result.detail == "a response head longer than 65536 bytes")
    }

    @Test func aLargeBodyIsNotReadWithoutExpectBody() throws {
        let (result, server) = try probe(.largeBody(bytes: Self.hundredMB))
        #expect(result.probeClass == .ok)
        #expect(result.status == 200)
        // The socket buffers' worth, not the body: a probe that read it all had the server send 100 MB.
        #expect(server.bytesSent < 1 << 20)
        #expect(result.duration < .milliseconds(500))
    }

    @Test func aLargeBodyIsReadOnlyAsFarAsExpectBodyNeeds() throws {
        let (result, server) = try probe(.largeBody(bytes: Self.hundredMB), body: "^aaaa")
        #expect(result.probeClass == .ok)
        #expect(result.status == 200)
        #expect(server.bytesSent < 1 << 20)
        #expect(result.duration < .milliseconds(500))
    }

    @Test func aLargeBodyBehindAnUnexpectedStatusIsHTTPStatusAndNotRead() throws {
        let (result, server) = try probe(.largeBody(bytes: Self.hundredMB), expectStatus: "204", body: "^aaaa")
        #expect(result.probeClass == .httpStatus)
        #expect(result.status == 200)
        #expect(result.detail == "status 200, expected 204")
        #expect(server.bytesSent < 1 << 20)
    }
}
