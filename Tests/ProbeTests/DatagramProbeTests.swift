import EventLoop
import Glibc
import Primitives
import Testing

@testable import Probe

/// UDP checks on the engine: a payload and its reply, DNS queries, silence, ICMP port unreachable, garbage.
struct DatagramProbeTests {
    /// A UDP server on 127.0.0.1 that answers each datagram with what `reply` makes of it (nil: silence).
    final class UDPServer {
        let fd: Int32
        let port: UInt16
        private(set) var received: [[UInt8]] = []

        init(loop: EventLoop, reply: @escaping ([UInt8]) -> [UInt8]?) throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard bound else { throw SystemError("bind") }
            port = UInt16(bigEndian: address.sin_port)
            try loop.watch(fd, for: .readable) { [unowned self] _ in
                var buffer = [UInt8](repeating: 0, count: 65536)
                var peer = sockaddr_storage()
                var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, &buffer, buffer.count, 0, $0, &peerLength)
                    }
                }
                guard count >= 0 else { return }
                let request = Array(buffer.prefix(count))
                received.append(request)
                guard let answer = reply(request) else { return }
                _ = withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, answer, answer.count, 0, $0, peerLength)
                    }
                }
            }
        }

        func stop(_ loop: EventLoop) {
            loop.unwatch(fd)
            close(fd)
        }
    }

    private func udp(
        _ port: UInt16, payload: String = "ping\n", expect: String? = nil, requireReply: Bool = true,
        timeout: Duration = .milliseconds(300)
    ) throws -> NetworkCheck {
        try NetworkCheck(
            scheme: .tcp, address: IPAddress("127.0.0.1")!, port: port, timeout: timeout,
            datagram: .udp(
                payload: Array(payload.utf8), expect: try expect.map { try BodyPattern($0) }, requireReply: requireReply
            ))
    }

    private func dns(_ port: UInt16, _ query: DNSQuery = DNSQuery()) throws -> NetworkCheck {
        try NetworkCheck(
            scheme: .tcp, address: IPAddress("127.0.0.1")!, port: port, timeout: .milliseconds(300),
            datagram: .dns(query))
    }

    @Test func aReplyThatMatchesPasses() throws {
        let loop = try EventLoop()
        let server = try UDPServer(loop: loop) { _ in Array("pong\n".utf8) }
        defer { server.stop(loop) }
        let result = try runOnce(try udp(server.port, expect: "^pong$"), on: loop)
        #expect(result.probeClass == .ok)
        #expect(server.received == [Array("ping\n".utf8)])
        #expect(try runOnce(try udp(server.port), on: loop).probeClass == .ok)
    }

    @Test func aReplyThatDoesNotMatchIsABodyMismatch() throws {
        let loop = try EventLoop()
        let server = try UDPServer(loop: loop) { _ in Array("busy\n".utf8) }
        defer { server.stop(loop) }
        let result = try runOnce(try udp(server.port, expect: "^pong"), on: loop)
        #expect(result.probeClass == .bodyMismatch)
        #expect(result.detail == #"the reply does not match "^pong": "busy.""#)
    }

    @Test func silenceTimesOutUnlessNoReplyIsRequired() throws {
        let loop = try EventLoop()
        let server = try UDPServer(loop: loop) { _ in nil }
        defer { server.stop(loop) }
        let result = try runOnce(try udp(server.port), on: loop)
        #expect(result.probeClass == .timeout)
        #expect(result.detail == "no reply before the deadline")
        #expect(result.duration >= .milliseconds(290))
        #expect(try runOnce(try udp(server.port, requireReply: false), on: loop).probeClass == .ok)
    }

    @Test func aPortWithNothingListeningIsRefusedEvenWithoutARequiredReply() throws {
        let loop = try EventLoop()
        let server = try UDPServer(loop: loop) { _ in nil }
        let port = server.port
        server.stop(loop)
        for requireReply in [true, false] {
            let result = try runOnce(try udp(port, requireReply: requireReply), on: loop)
            #expect(result.probeClass == .connectRefused)
            #expect(result.detail == "port unreachable (ICMP): nothing listens")
        }
    }

    @Test func aDNSAnswerWithTheQuerysIdPasses() throws {
        let loop = try EventLoop()
        // Echo the query as an answer: the same id and question, QR set, NOERROR.
        let server = try UDPServer(loop: loop) { query in [query[0], query[1], 0x81, 0x80] + query[4...] }
        defer { server.stop(loop) }
        let result = try runOnce(try dns(server.port), on: loop)
        #expect(result.probeClass == .ok)
        #expect(result.detail == "")
        #expect(server.received.first?.suffix(5) == [0, 0, 6, 0, 1])
    }

    @Test func wrongDNSAnswersAreClassified() throws {
        let loop = try EventLoop()
        var answer: ([UInt8]) -> [UInt8] = { _ in [] }
        let server = try UDPServer(loop: loop) { answer($0) }
        defer { server.stop(loop) }
        answer = { query in [query[0] ^ 0xff, query[1], 0x81, 0x80] + query[4...] }
        #expect(try runOnce(try dns(server.port), on: loop).probeClass == .protocolError)
        answer = { query in [query[0], query[1], 0x81, 0x85] + query[4...] }
        let refused = try runOnce(try dns(server.port), on: loop)
        #expect(refused.probeClass == .bodyMismatch)
        #expect(refused.detail == "REFUSED, expected NOERROR")
        answer = { _ in Array("garbage".utf8) }
        #expect(try runOnce(try dns(server.port), on: loop).detail == "a DNS answer of 7 bytes, shorter than a header")
        answer = { query in [query[0], query[1], 0x81, 0x80] + [UInt8](repeating: 0, count: 5000) }
        #expect(try runOnce(try dns(server.port), on: loop).detail == "a DNS answer of 5004 bytes, past 4096")
    }

    @Test func aCancelledProbeSaysNothingAndClosesItsSocket() throws {
        let loop = try EventLoop()
        let server = try UDPServer(loop: loop) { _ in nil }
        defer { server.stop(loop) }
        let engine = try ProbeEngine(loop: loop)
        var ended = false
        let id = try engine.start(try udp(server.port)) { _ in ended = true }
        #expect(engine.inFlight == 1)
        #expect(clientSockets(to: server.port) == 1)
        engine.cancel(id)
        #expect(engine.inFlight == 0)
        #expect(clientSockets(to: server.port) == 0)
        let stop = loop.now() + .milliseconds(500)
        try loop.run(until: { loop.now() >= stop })
        #expect(!ended)
    }
}
