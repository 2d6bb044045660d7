import CCurl
import CLinux
import Glibc
import Testing

/// Inside drcheck's libcurl calls, fcntl on the socket drcheck_socket just opened and a writability check of the
/// socket epoll reported are answered without asking the kernel (CCurl.h); outside, and for anything else, asked.
@Suite struct CurlSocketStateTests {
    private let nonBlocking = O_RDWR | O_NONBLOCK

    /// Puts a new blocking socket on `fd`'s number behind the kept state's back (dup2: the number stays taken).
    private func replaceWithBlockingSocket(_ fd: Int32) {
        let blocking = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        dup2(blocking, fd)
        close(blocking)
    }

    @Test func drcheckSocketOpensNonBlockingAndCloseOnExec() throws {
        let fd = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFL) == nonBlocking)
        #expect(fcntl(fd, F_GETFD) == FD_CLOEXEC)
    }

    @Test func theOpenedSocketsFlagsAreAnsweredInsideACallOnly() throws {
        drcheck_clock_freeze(0)
        let fd = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        replaceWithBlockingSocket(fd)
        // The kept answer, not the blocking socket's; setting the same flags does nothing.
        #expect(fcntl(fd, F_GETFL) == nonBlocking)
        #expect(fcntl(fd, F_SETFL, nonBlocking) == 0)
        drcheck_clock_thaw()
        #expect(fcntl(fd, F_GETFL) == O_RDWR)
    }

    @Test func anyOtherFcntlForgetsTheOpenedSocket() throws {
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        let fd = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        replaceWithBlockingSocket(fd)
        #expect(fcntl(fd, F_GETFD) == 0)
        #expect(fcntl(fd, F_GETFL) == O_RDWR)
        // Flags other than its own go to the kernel too.
        #expect(fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK | O_APPEND) == 0)
        #expect(fcntl(fd, F_GETFL) & O_APPEND != 0)
    }

    /// Runs `body` with a pipe's read end, which is never writable: an answer that says writable was not the
    /// kernel's. Inside a libcurl call unless `inside` is false.
    private func withReadEnd(inside: Bool = true, _ body: (_ read: Int32, _ write: Int32) throws -> Void) throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        if inside { drcheck_clock_freeze(0) }
        defer { if inside { drcheck_clock_thaw() } }
        try body(ends[0], ends[1])
    }

    private func writeCheck(_ fd: Int32, timeout: Int32 = 0) -> (count: Int32, revents: Int16) {
        var entry = pollfd(fd: fd, events: Int16(POLLWRNORM | POLLOUT | POLLPRI), revents: 0)
        let count = poll(&entry, 1, timeout)
        return (count, entry.revents)
    }

    @Test func aWriteCheckOfTheReadySocketIsAnsweredFromEpollOnce() throws {
        try withReadEnd { read, _ in
            drcheck_socket_ready(read, EPOLLOUT.rawValue)
            let first = writeCheck(read)
            #expect(first.count == 1)
            #expect(first.revents == Int16(POLLOUT | POLLWRNORM))
            let second = writeCheck(read)
            #expect(second.count == 0)
            #expect(second.revents == 0)
        }
    }

    @Test func aFailureEpollReportedIsAnsweredAsPollWouldSayIt() throws {
        try withReadEnd { read, _ in
            drcheck_socket_ready(read, EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue)
            let answer = writeCheck(read)
            #expect(answer.count == 1)
            #expect(answer.revents == Int16(POLLOUT | POLLWRNORM | POLLERR | POLLHUP))
        }
    }

    @Test func everyOtherPollIsTheKernels() throws {
        try withReadEnd(inside: false) { read, write in
            drcheck_clock_freeze(0)
            // Readable only: not an answer to a write check.
            drcheck_socket_ready(read, EPOLLIN.rawValue)
            #expect(writeCheck(read).count == 0)
            // A read check, another descriptor, a wait: the kernel's.
            drcheck_socket_ready(read, EPOLLOUT.rawValue)
            var both = pollfd(fd: read, events: Int16(POLLIN | POLLOUT), revents: 0)
            #expect(poll(&both, 1, 0) == 0)
            #expect(writeCheck(write).revents == Int16(POLLOUT | POLLWRNORM))
            #expect(writeCheck(read, timeout: 1).count == 0)
            // Forgotten with its socket, and at the end of the call.
            drcheck_socket_forget(read)
            #expect(writeCheck(read).count == 0)
            drcheck_socket_ready(read, EPOLLOUT.rawValue)
            drcheck_clock_thaw()
            #expect(writeCheck(read).count == 0)
            // Not kept for the next call either.
            drcheck_clock_freeze(0)
            #expect(writeCheck(read).count == 0)
            drcheck_clock_thaw()
        }
    }
}

/// Inside drcheck's libcurl calls, getpeername of an IPv4 socket drcheck_socket opened is the address it was
/// connected to, once epoll has reported the connect done (CCurl.h).
@Suite struct CurlSocketPeerTests {
    /// Opens a socket as libcurl does inside a call (drcheck_socket, then connect) and returns it.
    private func connecting(to address: sockaddr_in) throws -> Int32 {
        let fd = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        let status = connect(fd, to: address)
        try #require(status == 0 || errno == EINPROGRESS)
        return fd
    }

    /// libcurl's test of a connect, answered from what epoll reported.
    private func connectTest(_ fd: Int32, reported: UInt32) {
        drcheck_socket_ready(fd, reported)
        var entry = pollfd(fd: fd, events: Int16(POLLWRNORM | POLLOUT | POLLPRI), revents: 0)
        _ = poll(&entry, 1, 0)
    }

    enum Peer: Equatable {
        case address(port: UInt16, host: UInt32, length: socklen_t)
        case failed(Int32)
    }

    private func peer(_ fd: Int32, room: socklen_t = socklen_t(MemoryLayout<sockaddr_in>.size)) -> Peer {
        var address = sockaddr_in()
        var length = room
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard status == 0 else { return .failed(errno) }
        return .address(port: UInt16(bigEndian: address.sin_port), host: address.sin_addr.s_addr, length: length)
    }

    /// Puts an unconnected socket on `fd`'s number: the kernel's getpeername then fails with ENOTCONN.
    private func replaceWithUnconnectedSocket(_ fd: Int32) {
        let other = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        dup2(other, fd)
        close(other)
    }

    @Test func aConnectEpollReportedDoneAnswersGetpeernameInLaterCalls() throws {
        let (server, address) = try loopbackSocket(listening: true)
        defer { close(server) }
        drcheck_clock_freeze(0)
        let fd = try connecting(to: address)
        defer { close(fd) }
        drcheck_clock_thaw()
        drcheck_clock_freeze(0)
        connectTest(fd, reported: EPOLLOUT.rawValue)
        replaceWithUnconnectedSocket(fd)
        let expected = Peer.address(
            port: UInt16(bigEndian: address.sin_port), host: address.sin_addr.s_addr, length: 16)
        #expect(peer(fd) == expected)
        // Cut to the room given, the room needed said, as the kernel does.
        #expect(peer(fd, room: 4) == .address(port: UInt16(bigEndian: address.sin_port), host: 0, length: 16))
        drcheck_clock_thaw()
        // Outside a call, the kernel's.
        #expect(peer(fd) == .failed(ENOTCONN))
        drcheck_clock_freeze(0)
        #expect(peer(fd) == expected)
        drcheck_socket_forget(fd)
        #expect(peer(fd) == .failed(ENOTCONN))
        drcheck_clock_thaw()
    }

    @Test func aConnectNotKnownDoneIsAskedOfTheKernel() throws {
        let (server, address) = try loopbackSocket(listening: true)
        defer { close(server) }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        // Reported failed, then never reported: the kernel answers (here: not connected).
        let failed = try connecting(to: address)
        defer { close(failed) }
        connectTest(failed, reported: EPOLLOUT.rawValue | EPOLLERR.rawValue)
        replaceWithUnconnectedSocket(failed)
        #expect(peer(failed) == .failed(ENOTCONN))
        let unreported = try connecting(to: address)
        defer { close(unreported) }
        replaceWithUnconnectedSocket(unreported)
        #expect(peer(unreported) == .failed(ENOTCONN))
    }

    @Test func aConnectOutsideACallOrOfAnotherSocketIsNotKept() throws {
        let (server, address) = try loopbackSocket(listening: true)
        defer { close(server) }
        let outside = try connecting(to: address)
        defer { close(outside) }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        connectTest(outside, reported: EPOLLOUT.rawValue)
        replaceWithUnconnectedSocket(outside)
        #expect(peer(outside) == .failed(ENOTCONN))
    }
}

/// Inside drcheck's libcurl calls, the error libcurl reads after a write check epoll answered with success is none
/// (CCurl.h); otherwise the kernel's.
@Suite struct CurlSocketErrorTests {
    /// A socket whose connect was refused (a loopback port bound but not listening): ECONNREFUSED is pending on it.
    private func refused() throws -> (socket: Int32, bound: Int32) {
        let (bound, address) = try loopbackSocket(listening: false)
        let fd = drcheck_socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        _ = connect(fd, to: address)
        var done = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        try #require(poll(&done, 1, 5000) == 1)
        return (fd, bound)
    }

    private func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : -errno
    }

    private func writeCheck(_ fd: Int32, reported: UInt32) {
        drcheck_socket_ready(fd, reported)
        var entry = pollfd(fd: fd, events: Int16(POLLWRNORM | POLLOUT | POLLPRI), revents: 0)
        _ = poll(&entry, 1, 0)
    }

    @Test func afterAWriteCheckEpollAnsweredConnectedNoErrorIsPendingOnce() throws {
        let (fd, bound) = try refused()
        defer {
            close(fd)
            close(bound)
        }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        writeCheck(fd, reported: EPOLLOUT.rawValue)
        #expect(pendingError(fd) == 0)
        #expect(pendingError(fd) == ECONNREFUSED)
    }

    @Test func afterAFailureOrOutsideACallTheErrorIsTheKernels() throws {
        let (fd, bound) = try refused()
        defer {
            close(fd)
            close(bound)
        }
        drcheck_clock_freeze(0)
        writeCheck(fd, reported: EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue)
        #expect(pendingError(fd) == ECONNREFUSED)
        let (other, otherBound) = try refused()
        defer {
            close(other)
            close(otherBound)
        }
        writeCheck(other, reported: EPOLLOUT.rawValue)
        drcheck_clock_thaw()
        #expect(pendingError(other) == ECONNREFUSED)
    }
}
