import EventLoop
import Primitives
import Testing

@testable import Probe

/// Easy handles kept and reused from probe to probe: as many as run at once, and nothing of one probe's check
/// carried into the next.
struct HandlePoolTests {
    /// Runs `checks` one after another on one engine, each to its end; returns their results.
    private func inTurn(_ checks: [NetworkCheck], engine: ProbeEngine, loop: EventLoop) throws -> [ProbeResult] {
        try checks.map { try runOnce($0, on: loop, engine: engine) }
    }

    @Test func probesOneAfterAnotherShareOneHandle() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port)
        let results = try inTurn(Array(repeating: check, count: 20), engine: engine, loop: loop)
        #expect(results.map(\.probeClass) == Array(repeating: .ok, count: 20))
        #expect(engine.idleHandles == 1)
        #expect(server.requests.count == 20)
    }

    @Test func thePoolFollowsTheProbesInFlightNotTheirNumber() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port)
        for _ in 0..<3 {
            var done = 0
            for _ in 0..<40 { try engine.start(check) { _ in done += 1 } }
            try loop.run(until: { done == 40 })
        }
        // 40 at once at most: never more handles than that, and at least the few kept for the next round.
        #expect(engine.idleHandles <= 40)
        #expect(engine.idleHandles >= ProbeEngine.keptIdle)
        #expect(server.requests.count == 120)
    }

    @Test func aReusedHandleTakesNothingFromItsLastCheck() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .respond(status: 204, body: ""))
        defer { server.stop() }
        let engine = try ProbeEngine(loop: loop)
        let local = IPAddress("127.0.0.1")!
        let plain = try NetworkCheck(address: local, port: server.port, path: "/plain")
        let connectOnly = try NetworkCheck(scheme: .tcp, address: local, port: server.port)
        let fromOther = try NetworkCheck(
            address: local, port: server.port, host: "named.test", path: "/from",
            expectedStatus: StatusRanges([204...204]),
            timeout: .milliseconds(700), sourceAddress: IPAddress("127.0.0.2")!)
        let strict = try NetworkCheck(address: local, port: server.port, expectedStatus: StatusRanges([200...200]))
        let results = try inTurn([fromOther, connectOnly, plain, strict, fromOther, plain], engine: engine, loop: loop)
        #expect(results.map(\.probeClass) == [.ok, .ok, .ok, .httpStatus, .ok, .ok])
        #expect(results.map(\.status) == [204, nil, 204, 204, 204, 204])
        // The connect-only probe sent nothing; the others their own request from their own source address.
        #expect(
            server.requests.map { $0.split(separator: "\r\n").prefix(2).joined(separator: " ") } == [
                "GET /from HTTP/1.1 Host: named.test:\(server.port)",
                "GET /plain HTTP/1.1 Host: 127.0.0.1:\(server.port)",
                "GET / HTTP/1.1 Host: 127.0.0.1:\(server.port)", "GET /from HTTP/1.1 Host: named.test:\(server.port)",
                "GET /plain HTTP/1.1 Host: 127.0.0.1:\(server.port)",
            ])
        #expect(server.peers == ["127.0.0.2", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.1"])
        #expect(engine.idleHandles == 1)
    }

    @Test func aCancelledProbesHandleServesTheNextProbe() throws {
        let loop = try EventLoop()
        let hanging = try LoopbackServer(loop: loop, mode: .hang)
        defer { hanging.stop() }
        let answering = try LoopbackServer(loop: loop, mode: .respond(status: 200, body: "ok"))
        defer { answering.stop() }
        let engine = try ProbeEngine(loop: loop)
        var cancelled: ProbeResult?
        let id = try engine.start(try NetworkCheck(address: IPAddress("127.0.0.1")!, port: hanging.port)) {
            cancelled = $0
        }
        try loop.run(until: { hanging.peers.count == 1 })
        engine.cancel(id)
        #expect(engine.idleHandles == 1)
        let next = try inTurn(
            [try NetworkCheck(address: IPAddress("127.0.0.1")!, port: answering.port)], engine: engine, loop: loop)
        #expect(next.map(\.probeClass) == [.ok])
        #expect(cancelled == nil)
        #expect(engine.idleHandles == 1)
    }
}
