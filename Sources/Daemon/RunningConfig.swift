import Agent

/// The config as it runs: the one loaded at the start or by the last reload that took, when that was, and whether
/// the last reload took. A reload keeps the running value of each setting that changes only at the next start.
final class RunningConfig {
    private(set) var loaded: LoadedConfig
    /// Unix time of the load that made `loaded`.
    private(set) var loadedAt: Double
    private(set) var lastReloadSucceeded = true

    var config: Config { loaded.config }

    init(_ loaded: LoadedConfig, at wall: Double) {
        self.loaded = loaded
        loadedAt = wall
    }

    /// A reload failed: the running config goes on.
    func refuse() { lastReloadSucceeded = false }

    /// A reload took at `wall`: runs `fresh`, but for the settings that change only at the next start. Returns a
    /// warning for each of those that `fresh` would change.
    func take(_ fresh: LoadedConfig, at wall: Double) -> [String] {
        let running = loaded.config
        var warnings: [String] = []
        for (name, old, new) in [
            ("listen", running.listen, fresh.config.listen),
            ("state_file", running.stateFile, fresh.config.stateFile),
            ("log_format", running.logFormat.rawValue, fresh.config.logFormat.rawValue),
        ] where old != new {
            warnings.append("reload: \(name) changes from \(old) to \(new) only at the next start")
        }
        loaded = fresh
        loaded.config.listen = running.listen
        loaded.config.stateFile = running.stateFile
        loaded.config.logFormat = running.logFormat
        if fresh.config.probeMarks != running.probeMarks {
            warnings.append("reload: probe_marks changes only at the next start")
            loaded.config.probeMarks = running.probeMarks
        }
        loadedAt = wall
        lastReloadSucceeded = true
        return warnings
    }
}
