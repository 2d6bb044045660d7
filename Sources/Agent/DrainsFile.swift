import FoundationEssentials
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

    private struct Document: Codable {
        var version = 1
        var drains: [Entry]
    }

    private struct Entry: Codable {
        var service: ServiceKey
        var server: Endpoint
        var note: DrainNote
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
            let document = try JSONDecoder().decode(Document.self, from: Data(bytes))
            return Dictionary(
                document.drains.map { (ServerID(service: $0.service, server: $0.server), $0.note) },
                uniquingKeysWith: { _, last in last })
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
        let entries = drains.sorted { $0.key < $1.key }.map {
            Entry(service: $0.key.service, server: $0.key.server, note: $0.value)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.replace(path, with: Array(try encoder.encode(Document(drains: entries))))
        return drains
    }

    private static func problem(_ code: Int32) -> String { String(cString: strerror(code)) }
}
