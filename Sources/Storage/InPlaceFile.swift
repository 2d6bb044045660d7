import Glibc

/// Rewrites a file within the blocks it already has: what the state file falls back to when it cannot be replaced
/// (a full file system). Not atomic: a crash in the middle of the write can leave the file unreadable.
enum InPlaceFile {
    /// Writes `bytes` at the start of the file and `padding` over the rest of it, so the file keeps its size; fails
    /// when `bytes` do not fit.
    static func overwrite(_ path: String, with bytes: [UInt8], padding: UInt8) throws(FileWriteError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileWriteError(path: path, step: "open to rewrite in place", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileWriteError(path: path, step: "stat", errno: errno) }
        let size = Int(info.st_size)
        guard bytes.count <= size else {
            throw FileWriteError(
                path: path, step: "rewrite in place (\(bytes.count) bytes, room for \(size))", errno: ENOSPC)
        }
        let whole = bytes + [UInt8](repeating: padding, count: size - bytes.count)
        let written = whole.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let writeErrno = errno
        guard written == whole.count, fdatasync(fd) == 0 else {
            throw FileWriteError(path: path, step: "rewrite in place", errno: written < 0 ? writeErrno : errno)
        }
    }
}
