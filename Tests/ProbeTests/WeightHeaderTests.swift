import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// `weight_header`: the probe keeps the value of the named response header (any case, its final head only) and
/// nothing else; the body is not read for it.
struct WeightHeaderTests {
    private func probe(_ headers: [String], status: Int = 200, header: String? = "X-Weight") throws -> ProbeResult {
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        let server = try LoopbackServer(
            loop: loop, mode: .respond(status: status, headers: headers, body: String(repeating: "b", count: 9000)))
        defer { server.stop() }
        let check = try NetworkCheck(
            address: IPAddress("127.0.0.1")!, port: server.port, weightHeader: header)
        return try runOnce(check, on: loop, engine: engine)
    }

    @Test func theNamedHeadersValueIsKeptInAnyCase() throws {
        #expect(try probe(["x-weight:  50% "]).feedback == "50%")
        #expect(try probe(["X-Other: 1", "X-WEIGHT: drain"]).feedback == "drain")
        let plain = try probe(["X-Weight: 50%"], header: nil)
        #expect(plain.feedback == nil && plain.probeClass == .ok)
    }

    @Test func anAbsentHeaderIsNilAndAFailingAnswerKeepsItToo() throws {
        #expect(try probe(["X-Other: 50%"]).feedback == nil)
        let failing = try probe(["X-Weight: 10%"], status: 503)
        #expect(failing.probeClass == .httpStatus)
        #expect(failing.feedback == "10%")
    }

    @Test func aLongValueIsCutAt64Characters() throws {
        let result = try probe(["X-Weight: " + String(repeating: "9", count: 500)])
        #expect(result.feedback == String(repeating: "9", count: 64))
    }

    @Test func onlyHttpChecksHaveIt() {
        #expect(throws: NetworkCheck.InvalidError.self) {
            try NetworkCheck(scheme: .tcp, address: IPAddress("127.0.0.1")!, port: 80, weightHeader: "X-Weight")
        }
    }
}
