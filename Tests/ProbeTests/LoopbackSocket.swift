import Glibc
import Testing

/// A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening or not (connecting to one that does not
/// listen is refused), and its address.
func loopbackSocket(listening: Bool) throws -> (fd: Int32, address: sockaddr_in) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            try #require(bind(fd, $0, length) == 0)
            if listening { try #require(listen(fd, 4) == 0) }
            try #require(getsockname(fd, $0, &length) == 0)
        }
    }
    return (fd, address)
}

/// connect(2) of `fd` to `address`: its result (errno tells why when it is -1).
func connect(_ fd: Int32, to address: sockaddr_in) -> Int32 {
    var target = address
    return withUnsafePointer(to: &target) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
}
