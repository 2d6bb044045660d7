import Agent
import Glibc
import Storage

extension AgentDaemon {
    /// Feeds the drains file to the decision core when it changed since the last read (`force`: read it anyway, as
    /// `drcheck drain` asks with SIGUSR1). A file that cannot be read keeps the drains as they were: reading it as
    /// "no drain" would hand every drained server back.
    func readDrains(force: Bool = false) {
        let file = DrainsFile(forState: running.config.stateFile)
        var info = stat()
        let identity =
            stat(file.path, &info) == 0
            ? [UInt64(info.st_ino), UInt64(info.st_size), UInt64(info.st_mtim.tv_sec), UInt64(info.st_mtim.tv_nsec)]
            : []
        guard force || identity != drainsFileIdentity else { return }
        do {
            let notes = try file.load()
            drainsFileIdentity = identity
            conditions.clear("drains-file", "\(file.path) readable again")
            turns.enqueue(.drains(notes))
        } catch {
            conditions.raise("drains-file", .error, "\(error); the drains stay as they were")
        }
    }
}
