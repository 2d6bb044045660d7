import EventLoop
import Glibc
import Testing

@testable import Probe

/// One probe of `check` on `engine` (by default one of its own), the loop run until it ends.
func runOnce(_ check: NetworkCheck, on loop: EventLoop, engine: ProbeEngine? = nil) throws -> ProbeResult {
    let engine = try engine ?? ProbeEngine(loop: loop)
    var result: ProbeResult?
    try engine.start(check) { result = $0 }
    try loop.run(until: { result != nil })
    return try #require(result)
}

/// This process's sockets connected to `port` on loopback: the probes' (the server's accepted ones have the port
/// on their own side).
func clientSockets(to port: UInt16) -> Int {
    (0..<4096).filter { fd in
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(Int32(fd), $0, &length) }
        }
        return named == 0 && address.sin_family == sa_family_t(AF_INET)
            && UInt16(bigEndian: address.sin_port) == port
    }.count
}
