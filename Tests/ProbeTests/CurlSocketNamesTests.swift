import CCurl
import Glibc
import Testing

/// While drcheck calls into libcurl, a connected socket's getsockname and getpeername answers are kept (CCurl.h).
@Suite struct CurlSocketNamesTests {
    private func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    /// A listening loopback socket and a socket connected to it (blocking: loopback connects at once).
    private func connectedPair() throws -> (listener: Int32, client: Int32, port: UInt16) {
        let (listener, address) = try loopbackSocket(listening: true)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(connect(client, to: address) == 0)
        return (listener, client, UInt16(bigEndian: address.sin_port))
    }

    enum Answer: Equatable {
        case port(UInt16)
        case failed(Int32)
    }

    /// getsockname or getpeername of `fd`: the port, or the errno.
    private func port(
        _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32, _ fd: Int32
    )
        -> Answer
    {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        return status == 0 ? .port(UInt16(bigEndian: address.sin_port)) : .failed(errno)
    }

    /// Puts a new, unbound socket on `fd`'s number (dup2: the number is never free for a test running beside).
    private func replaceWithUnboundSocket(_ fd: Int32) {
        let unbound = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        dup2(unbound, fd)
        close(unbound)
    }

    private func hasPort(_ answer: Answer) -> Bool {
        if case .port(let number) = answer { number != 0 } else { false }
    }

    /// Runs `body` with a connected loopback pair, as if inside a libcurl call (clock frozen, names kept).
    private func insideACurlCall(_ body: (_ client: Int32, _ listening: UInt16) throws -> Void) throws {
        let (listener, client, listening) = try connectedPair()
        defer {
            close(listener)
            close(client)
        }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        try body(client, listening)
    }

    @Test func insideALibcurlCallTheFirstAnswerIsKeptUntilForgotten() throws {
        try insideACurlCall { client, listening in
            let own = port(getsockname, client)
            #expect(hasPort(own))
            #expect(port(getpeername, client) == .port(listening))
            // Another socket put on the number behind the cache's back: the kept answers are given without asking.
            replaceWithUnboundSocket(client)
            #expect(port(getsockname, client) == own)
            #expect(port(getpeername, client) == .port(listening))
            drcheck_socket_forget(client)
            #expect(port(getsockname, client) == .port(0))
            #expect(port(getpeername, client) == .failed(ENOTCONN))
        }
    }

    @Test func theEndOfTheCallForgetsAndOutsideNothingIsKept() throws {
        let (listener, client, _) = try connectedPair()
        defer {
            close(listener)
            close(client)
        }
        drcheck_clock_freeze(0)
        #expect(hasPort(port(getsockname, client)))
        drcheck_clock_thaw()
        replaceWithUnboundSocket(client)
        // The next call asks again.
        drcheck_clock_freeze(0)
        #expect(port(getsockname, client) == .port(0))
        drcheck_clock_thaw()
        // Outside a libcurl call every answer is the kernel's.
        let (listener2, client2, _) = try connectedPair()
        defer {
            close(listener2)
            close(client2)
        }
        #expect(hasPort(port(getsockname, client2)))
        replaceWithUnboundSocket(client2)
        #expect(port(getsockname, client2) == .port(0))
    }

    @Test func openingASocketForgetsItsNumberAndAnUnboundSocketIsAskedAgain() throws {
        try insideACurlCall { client, listening in
            #expect(hasPort(port(getsockname, client)))
            replaceWithUnboundSocket(client)
            // A failed open forgets nothing.
            #expect(drcheck_socket(-1, Int32(SOCK_STREAM.rawValue), 0) == -1)
            #expect(hasPort(port(getsockname, client)))
            drcheck_socket_forget(client)
            #expect(port(getsockname, client) == .port(0))
            // Not yet connected: port 0 and no peer, neither kept, so the connect's port and peer are seen next.
            let fresh = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fresh) }
            #expect(port(getsockname, fresh) == .port(0))
            #expect(port(getpeername, fresh) == .failed(ENOTCONN))
            let connected = connect(fresh, to: loopback(port: listening))
            // drcheck_socket's sockets are non-blocking: the connect completes when the socket turns writable.
            try #require(connected == 0 || errno == EINPROGRESS)
            var writable = pollfd(fd: fresh, events: Int16(POLLOUT), revents: 0)
            try #require(poll(&writable, 1, 5000) == 1)
            #expect(hasPort(port(getsockname, fresh)))
            #expect(port(getpeername, fresh) == .port(listening))
        }
    }
}
