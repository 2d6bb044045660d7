import Glibc

/// Reads a file the configuration depends on (the configuration itself, a `tls_ca_file`): only a regular file of at
/// most `sizeLimit` bytes, judged by stat before it is opened and read. A directory would give a misleading error, a
/// device (/dev/zero) or a FIFO would never end or never start, a huge file would fill memory. keepalived files
/// to import are read so too.
public enum ConfigFile {
    /// 1 MiB: a configuration of thousands of services, or a CA bundle (the system's is about 200 KB), is far smaller.
    public static let sizeLimit = 1 << 20

    /// Why a file was not read; the description completes "cannot read FILE: ".
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case system(errno: Int32)
        case directory
        case notRegular
        case tooLarge

        public var description: String {
            switch self {
            case .system(errno: ENOENT): "no such file"
            case .system(errno: EACCES): "permission denied"
            case .system(let code): String(cString: strerror(code))
            case .directory: "is a directory"
            case .notRegular: "not a regular file"
            case .tooLarge: "larger than \(ConfigFile.sizeLimit) bytes"
            }
        }
    }

    public static func read(_ path: String) throws(Problem) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(errno: errno) }
        try vet(info)
        // Should the path name a FIFO by now, O_NONBLOCK keeps open from waiting for a writer; fstat then sees it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .system(errno: errno) }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { throw .system(errno: errno) }
        try vet(info)
        return try readAll(fd)
    }

    private static func vet(_ info: stat) throws(Problem) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: guard info.st_size <= sizeLimit else { throw .tooLarge }
        case S_IFDIR: throw .directory
        default: throw .notRegular
        }
    }

    /// At most `sizeLimit` bytes: one more is a file that grew past it, or one whose stat size says nothing (/proc).
    private static func readAll(_ fd: Int32) throws(Problem) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: sizeLimit + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got == 0 { break }
            guard got > 0 else {
                if errno == EINTR { continue }
                throw .system(errno: errno)
            }
            count += got
        }
        guard count <= sizeLimit else { throw .tooLarge }
        return Array(bytes.prefix(count))
    }
}
