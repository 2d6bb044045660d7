import Glibc
import Primitives

extension ListenAddress {
    /// AF_INET, AF_INET6 or AF_UNIX.
    public var family: Int32 {
        switch self {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
    }

    /// Calls `body` with the address as a `sockaddr`; the text was validated when parsed.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .ipv4(let address, let port):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            inet_pton(AF_INET, address, &sin.sin_addr)
            return Self.asSockaddr(sin, body)
        case .ipv6(let address, let port):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            inet_pton(AF_INET6, address, &sin6.sin6_addr)
            return Self.asSockaddr(sin6, body)
        case .unix(let path):
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &sun.sun_path) { raw in raw.copyBytes(from: path.utf8.prefix(raw.count - 1)) }
            return Self.asSockaddr(sun, body)
        }
    }

    /// The same address with the port the kernel chose for `fd` (for port 0).
    func withBoundPort(of fd: Int32) -> ListenAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return self }
        // sin_port and sin6_port sit at the same offset, right after the family.
        let port = withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        switch self {
        case .ipv4(let address, _): return .ipv4(address, port: port)
        case .ipv6(let address, _): return .ipv6(address, port: port)
        case .unix: return self
        }
    }

    private static func asSockaddr<Address, R>(_ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R)
        -> R
    {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
