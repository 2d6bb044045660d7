import Agent
import Glibc
import Primitives

/// `drains.json` beside the state file: the drains made with `drcheck drain`, written by that command (under the
/// file's own lock, replaced whole) and read by the daemon and `--once`. A separate file, because the daemon owns the
/// state file while it runs.
public struct DrainsFile: Sendable {
    public let path: String

    public init(forState statePath: String) {
        let slash = statePath.lastIndex(of: "/")
        path = (slash.map { String(statePath[...$0]) } ?? "") + "drains.json"
    }

    public struct ReadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Every drain; none when the file does not exist.
    public func load() throws(ReadError) -> [ServerID: DrainNote] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            guard errno == ENOENT else { throw ReadError(description: "cannot read \(path): \(Self.problem(errno))") }
            return [:]
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= 4 << 20 else {
            throw ReadError(description: "cannot read \(path): not a regular file of at most 4 MiB")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        guard read(fd, &bytes, bytes.count) == bytes.count else {
            throw ReadError(description: "cannot read \(path): \(Self.problem(errno))")
        }
        do {
            return try DrainsDocument.drains(json: bytes)
        } catch {
            throw ReadError(description: "\(path) is not a drains file drcheck wrote: \(error)")
        }
    }

    /// Reads, changes and writes the file under its lock (`drains.json.lock`), so that two commands never lose each
    /// other's drain. `change` may throw to change nothing.
    public func update<Failure: Error>(
        _ change: (inout [ServerID: DrainNote]) throws(Failure) -> Void
    ) throws -> [ServerID: DrainNote] {
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw ReadError(description: "cannot open \(path).lock: \(Self.problem(errno))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else {
            throw ReadError(description: "cannot lock \(path).lock: \(Self.problem(errno))")
        }
        var drains = try load()
        try change(&drains)
        try AtomicFile.replace(path, with: DrainsDocument.json(drains))
        return drains
    }

    private static func problem(_ code: Int32) -> String { String(cString: strerror(code)) }
}
