/// How a change hook ended (the `result` label of `drcheck_hook_runs_total`).
public enum HookResult: String, Sendable {
    case ok
    /// It exited with a status other than 0, or was killed by a signal.
    case failed
    /// Still running at `on_change_timeout`: killed with its process group.
    case timeout
    /// It could not be started.
    case error
    /// Never run: more events waited than the queue holds.
    case dropped
}
