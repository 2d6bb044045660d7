import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// What an http probe sends: who it is, its method, its extra headers, on one engine whose handles serve check
/// after check (a HEAD must not leave the next GET without its body).
struct RequestShapeTests {
    @Test func theRequestSaysWhoSendsItWithItsMethodAndHeaders() throws {
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok body"))
        defer { server.stop() }
        func check(_ method: HTTPMethod, _ headers: [String] = [], body: String? = nil) throws -> NetworkCheck {
            try NetworkCheck(
                address: IPAddress("127.0.0.1")!, port: server.port, path: "/h",
                expectedBody: body.map { try BodyPattern($0) }, method: method, headers: headers)
        }
        #expect(try runOnce(check(.get), on: loop, engine: engine).probeClass == .ok)
        #expect(
            try runOnce(check(.head, ["X-Probe: lvs1", "User-Agent: mine"]), on: loop, engine: engine).probeClass
                == .ok)
        #expect(try runOnce(check(.options), on: loop, engine: engine).probeClass == .ok)
        // Back to GET with a body to match: the handle reads the body again.
        #expect(try runOnce(check(.get, body: "ok body"), on: loop, engine: engine).probeClass == .ok)
        let requests = server.requests
        #expect(requests.count == 4)
        #expect(requests[0].hasPrefix("GET /h HTTP/1.1\r\n"))
        #expect(requests[0].contains("\r\nUser-Agent: drcheck/\(DrcheckVersion.current)\r\n"))
        #expect(requests[1].hasPrefix("HEAD /h HTTP/1.1\r\n"))
        #expect(requests[1].contains("\r\nX-Probe: lvs1\r\n"))
        #expect(requests[1].contains("\r\nUser-Agent: mine\r\n"))
        #expect(!requests[1].contains("drcheck/"))
        #expect(requests[2].hasPrefix("OPTIONS /h HTTP/1.1\r\n"))
        #expect(!requests[2].contains("X-Probe"))
        #expect(requests[3].hasPrefix("GET /h HTTP/1.1\r\n"))
    }

    @Test func aHeaderThatIsNoHeaderOrAHeadWithABodyPatternIsRefused() throws {
        let address = IPAddress("127.0.0.1")!
        #expect(throws: NetworkCheck.InvalidError.self) {
            try NetworkCheck(address: address, port: 80, headers: ["X-A: b\r\nX-Injected: c"])
        }
        #expect(throws: NetworkCheck.InvalidError.self) {
            try NetworkCheck(address: address, port: 80, headers: ["no colon"])
        }
        #expect(throws: NetworkCheck.InvalidError.self) {
            try NetworkCheck(address: address, port: 80, expectedBody: try BodyPattern("ok"), method: .head)
        }
        #expect(throws: NetworkCheck.InvalidError.self) {
            try NetworkCheck(scheme: .tcp, address: address, port: 80, method: .options)
        }
    }
}
