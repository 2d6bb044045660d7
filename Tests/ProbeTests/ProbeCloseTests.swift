import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// A probe closes with a reset: it leaves no socket behind on the director (no TIME_WAIT, no FIN_WAIT).
struct ProbeCloseTests {
    /// The states (hex, as /proc/net/tcp gives them) of the IPv4 sockets connected to 127.0.0.1:`port` from
    /// another port.
    private func clientSockets(to port: UInt16) throws -> [String] {
        // Read line by line: a /proc file has no size to read up to.
        let file = try #require(fopen("/proc/net/tcp", "r"))
        defer { fclose(file) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 512)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let remote = "0100007F:" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
        return lines.dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[2] == remote else { return nil }
            return String(fields[3])
        }
    }

    @Test func aConnectCheckLeavesNoSocketOnTheDirector() throws {
        let loop = try EventLoop()
        // The server keeps its side open: a FIN from the probe would leave it in FIN_WAIT_2 for a minute.
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let check = try NetworkCheck(scheme: .tcp, address: IPAddress("127.0.0.1")!, port: server.port)
        for _ in 0..<3 { #expect(try runOnce(check, on: loop).probeClass == .ok) }
        try loop.run(until: { server.peers.count == 3 })
        #expect(try clientSockets(to: server.port) == [])
    }

    @Test func anHTTPProbeLeavesNoTimeWaitWhenTheServerKeepsTheConnection() throws {
        let loop = try EventLoop()
        let server = try LoopbackServer(loop: loop, mode: .hang)
        defer { server.stop() }
        let check = try NetworkCheck(address: IPAddress("127.0.0.1")!, port: server.port, timeout: .milliseconds(100))
        #expect(try runOnce(check, on: loop).probeClass == .timeout)
        #expect(try clientSockets(to: server.port) == [])
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
