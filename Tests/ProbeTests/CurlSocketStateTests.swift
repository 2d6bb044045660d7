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

    /// A pipe's read end, which is never writable: an answer that says writable was not the kernel's.
    private func readEnd() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        return (ends[0], ends[1])
    }

    private func writeCheck(_ fd: Int32, timeout: Int32 = 0) -> (count: Int32, revents: Int16) {
        var entry = pollfd(fd: fd, events: Int16(POLLWRNORM | POLLOUT | POLLPRI), revents: 0)
        let count = poll(&entry, 1, timeout)
        return (count, entry.revents)
    }

    @Test func aWriteCheckOfTheReadySocketIsAnsweredFromEpollOnce() throws {
        let pipe = try readEnd()
        defer {
            close(pipe.read)
            close(pipe.write)
        }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        drcheck_socket_ready(pipe.read, EPOLLOUT.rawValue)
        let first = writeCheck(pipe.read)
        #expect(first.count == 1)
        #expect(first.revents == Int16(POLLOUT | POLLWRNORM))
        let second = writeCheck(pipe.read)
        #expect(second.count == 0)
        #expect(second.revents == 0)
    }

    @Test func aFailureEpollReportedIsAnsweredAsPollWouldSayIt() throws {
        let pipe = try readEnd()
        defer {
            close(pipe.read)
            close(pipe.write)
        }
        drcheck_clock_freeze(0)
        defer { drcheck_clock_thaw() }
        drcheck_socket_ready(pipe.read, EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue)
        let answer = writeCheck(pipe.read)
        #expect(answer.count == 1)
        #expect(answer.revents == Int16(POLLOUT | POLLWRNORM | POLLERR | POLLHUP))
    }

    @Test func everyOtherPollIsTheKernels() throws {
        let pipe = try readEnd()
        defer {
            close(pipe.read)
            close(pipe.write)
        }
        drcheck_clock_freeze(0)
        // Readable only: not an answer to a write check.
        drcheck_socket_ready(pipe.read, EPOLLIN.rawValue)
        #expect(writeCheck(pipe.read).count == 0)
        // A read check, another descriptor, a wait: the kernel's.
        drcheck_socket_ready(pipe.read, EPOLLOUT.rawValue)
        var read = pollfd(fd: pipe.read, events: Int16(POLLIN | POLLOUT), revents: 0)
        #expect(poll(&read, 1, 0) == 0)
        #expect(writeCheck(pipe.write).revents == Int16(POLLOUT | POLLWRNORM))
        #expect(writeCheck(pipe.read, timeout: 1).count == 0)
        // Forgotten with its socket, and at the end of the call.
        drcheck_socket_forget(pipe.read)
        #expect(writeCheck(pipe.read).count == 0)
        drcheck_socket_ready(pipe.read, EPOLLOUT.rawValue)
        drcheck_clock_thaw()
        #expect(writeCheck(pipe.read).count == 0)
    }
}
