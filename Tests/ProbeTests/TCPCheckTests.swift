import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// `scheme: .tcp`: a connect and nothing more, on the same engine as HTTP probes.
struct TCPCheckTests {

    @Test func aListeningPortPassesWithoutARequest() throws {
        let loop = try EventLoop()
        // A server that never answers: only the handshake can make this probe pass.
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let check = try NetworkCheck(
            scheme: .tcp, address: IPAddress("127.0.0.1")!, port: server.port, timeout: .seconds(5))
        let result = try runOnce(check, on: loop)
        #expect(result.probeClass == .ok)
        #expect(result.status == nil)
        #expect(result.detail == "")
        try loop.run(until: { !server.peers.isEmpty })
        #expect(server.peers == ["127.0.0.1"])
        #expect(server.requests.isEmpty)
    }

    @Test func aClosedPortIsConnectRefused() throws {
        let loop = try EventLoop()
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let result = try runOnce(
            try NetworkCheck(scheme: .tcp, address: IPAddress("127.0.0.1")!, port: refusing.port), on: loop)
        #expect(result.probeClass == .connectRefused)
    }

    @Test func theSocketIsClosedWhenTheProbeEnds() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let before = openDescriptors()
        for _ in 0..<20 {
            _ = try runOnce(
                try NetworkCheck(scheme: .tcp, address: IPAddress("127.0.0.1")!, port: server.port), on: loop)
        }
        // The engine of each run is gone, and with it every socket; the server keeps its 20 accepted ones.
        #expect(openDescriptors() - before <= 20)
    }

    private func openDescriptors() -> Int {
        (0..<4096).filter { fcntl(Int32($0), F_GETFD) >= 0 }.count
    }
}
