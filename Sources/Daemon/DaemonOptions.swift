/// What the command line says to the daemon and to `--once`.
public struct DaemonOptions: Sendable {
    /// The config file; nil means the default path, whose absence means zero-config discovery.
    public var configPath: String?
    /// Overrides the config's `listen` and `state_file`.
    public var listen: String?
    public var statePath: String?
    public var dryRun: Bool
    /// `--once --json`.
    public var json: Bool

    public init(configPath: String?, listen: String?, statePath: String?, dryRun: Bool, json: Bool) {
        self.configPath = configPath
        self.listen = listen
        self.statePath = statePath
        self.dryRun = dryRun
        self.json = json
    }
}

/// A failure that ends drcheck before it does anything, with its exit status (2 usage or config, 3 IPVS unreachable,
/// 1 anything else) and a one-line message.
public struct StartupError: Error, CustomStringConvertible {
    public var exitStatus: Int32
    public var description: String

    /// 2: usage or config error, nothing changed.
    static func config(_ message: String) -> StartupError { StartupError(exitStatus: 2, description: message) }
    /// 3: IPVS unreachable (module not loaded, no CAP_NET_ADMIN).
    static func ipvs(_ message: String) -> StartupError { StartupError(exitStatus: 3, description: message) }
    /// 1: anything else the daemon cannot start without (the state lock, the listener, libcurl).
    static func runtime(_ message: String) -> StartupError { StartupError(exitStatus: 1, description: message) }
}
