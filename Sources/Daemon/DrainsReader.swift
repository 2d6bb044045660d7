import Agent
import Glibc
import Storage

/// The drains file that `drcheck drain` and `undrain` write, read again only when it changed (inode, size,
/// modification time) or when asked. A file that cannot be read keeps the drains as they were: reading it as "no
/// drain" would hand every drained server back.
final class DrainsReader {
    private let file: DrainsFile
    private let conditions: ConditionLog
    /// The file as last read; nil before the first read.
    private var identity: [UInt64]?

    init(_ file: DrainsFile, conditions: ConditionLog) {
        self.file = file
        self.conditions = conditions
    }

    /// The drains, when the file changed since the last read (`force`: read it anyway, as `drcheck drain` asks with
    /// SIGUSR1); nil when it did not or cannot be read (said once, until it can).
    func read(force: Bool = false) -> [ServerID: DrainNote]? {
        var info = stat()
        let identity =
            stat(file.path, &info) == 0
            ? [UInt64(info.st_ino), UInt64(info.st_size), UInt64(info.st_mtim.tv_sec), UInt64(info.st_mtim.tv_nsec)]
            : []
        guard force || identity != self.identity else { return nil }
        do {
            let notes = try file.load()
            self.identity = identity
            conditions.clear("drains-file", "\(file.path) readable again")
            return notes
        } catch {
            conditions.raise("drains-file", .error, "\(error); the drains stay as they were")
            return nil
        }
    }
}
