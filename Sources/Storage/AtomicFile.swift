import Glibc

/// A file replaced whole, never seen half-written: a temporary file in the same directory, fsynced, renamed over the
/// file, and the directory fsynced (the state file, the drains file, imported ipvsadm rules).
public enum AtomicFile {
    public static func replace(_ path: String, with bytes: [UInt8]) throws(FileWriteError) {
        let folder = StateFile.folder(of: path)
        let directory = folder.isEmpty ? "." : folder
        let temporary = "\(path).tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, step: "create \(temporary)", errno: errno) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeErrno = errno
        guard written == bytes.count, fsync(fd) == 0 else {
            let error = FileWriteError(path: path, step: "write \(temporary)", errno: written < 0 ? writeErrno : errno)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = FileWriteError(path: path, step: "rename \(temporary)", errno: errno)
            unlink(temporary)
            throw error
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { throw FileWriteError(path: path, step: "open \(directory)", errno: errno) }
        defer { close(dirfd) }
        guard fsync(dirfd) == 0 else { throw FileWriteError(path: path, step: "fsync \(directory)", errno: errno) }
    }
}

/// A file that could not be written: where and at which step.
public struct FileWriteError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let step: String
    public let errno: Int32

    public init(path: String, step: String, errno: Int32) {
        self.path = path
        self.step = step
        self.errno = errno
    }

    public var description: String { "cannot save \(path): \(step): \(String(cString: strerror(errno)))" }
}
