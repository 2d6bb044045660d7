#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on `STATE.lock` next to the state file, so that the daemon and `--once` never both act.
/// The holder's pid is written into the lock file so that the other can say who holds it.
public final class StateLock {
    public enum Outcome {
        case acquired(StateLock)
        /// Another process holds the lock; its pid when the lock file names one.
        case heldBy(pid: Int32?)
    }

    public struct LockError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let errno: Int32
        public var description: String { "cannot open lock file \(path): \(String(cString: strerror(errno)))" }
    }

    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    public static func lockPath(forState statePath: String) -> String { statePath + ".lock" }

    /// Tries to take the lock without waiting.
    public static func acquire(forState statePath: String) throws(LockError) -> Outcome {
        let path = lockPath(forState: statePath)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LockError(path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = readPid(fd)
            close(fd)
            guard failure == EWOULDBLOCK else { throw LockError(path: path, errno: failure) }
            return .heldBy(pid: holder)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        return .acquired(StateLock(path: path, fd: fd))
    }

    /// Lets go of the lock (also done when the object goes away, or the process dies).
    public func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int32(String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()))
    }
}
