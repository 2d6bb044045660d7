import Agent
import Primitives

/// `fast_interval` and `down_interval`: each schedule runs at the interval its server's health asks for
/// (`CheckPace`), moved after each turn that decided the server.
extension AgentDaemon {
    /// The interval `key`'s schedule runs at now: the shortest its targets' paces ask for (targets that share one
    /// probe have the same intervals, each its own health).
    func pacedInterval(_ key: ServerID) -> Duration? {
        guard let target = targets[key] else { return nil }
        let group = [key] + (sharing.sharers[key] ?? [])
        return group.lazy.map { target.intervals.at(self.reconciler.pace(of: $0)) }.min()
    }

    /// Moves the schedules of `ids` to their pace.
    func repace(_ ids: Set<ServerID>) {
        for id in ids {
            let key = sharing.leader[id] ?? id
            guard let target = targets[key], target.intervals.fast != nil || target.intervals.down != nil,
                let interval = pacedInterval(key)
            else { continue }
            switch target.check {
            case .network: scheduler.pace(key, interval: interval)
            case .command: commandScheduler.pace(key, interval: interval)
            }
        }
    }
}
