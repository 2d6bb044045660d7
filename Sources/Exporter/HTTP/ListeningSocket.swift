import EventLoop
import Glibc
import Primitives

/// Opens non-blocking listening sockets; a unix socket file left by a dead process is replaced.
enum ListeningSocket {
    static func open(_ address: ListenAddress) throws(MetricsServerError) -> Int32 {
        func failure(_ call: String, _ code: Int32 = errno) -> MetricsServerError {
            MetricsServerError(description: "cannot listen on \(address): \(call): \(String(cString: strerror(code)))")
        }
        if case .unix(let path) = address { try removeStaleSocket(path, address) }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var one: Int32 = 1
        if address.family != AF_UNIX {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = failure("bind")
            Glibc.close(fd)
            throw error
        }
        guard listen(fd, SOMAXCONN) == 0 else {
            let error = failure("listen")
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// A socket file nobody accepts on is stale; anything else at the path is left alone and reported.
    private static func removeStaleSocket(_ path: String, _ address: ListenAddress) throws(MetricsServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw MetricsServerError(description: "cannot listen on \(address): \(path) exists and is not a socket")
        }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return }
        let live = address.withSockaddr { connect(probe, $0, $1) } == 0
        Glibc.close(probe)
        if live {
            throw MetricsServerError(description: "cannot listen on \(address): another process is listening there")
        }
        unlink(path)
    }
}

public struct MetricsServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
