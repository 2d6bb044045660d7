import Agent
import ArgumentParser
import Daemon
import Logging
import Primitives

#if canImport(Glibc)
    import Glibc
#endif

/// `drcheck`: the daemon (default), `--once` for cron, and the operator's subcommands.
struct Drcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drcheck",
        abstract: "Health-checking keepalive agent for LVS directors in direct-routing mode.",
        discussion: """
            Without a subcommand drcheck runs as a daemon in the foreground; with --once it makes one pass for cron.
            Exit status of --once: 0 every checked server healthy, 1 at least one unhealthy, 2 usage or config \
            error (nothing changed), 3 IPVS unreachable.
            Checks: type http (the default: a GET judged by status and body), tcp (a connect only) or exec (a \
            program per real server, run without a shell, ${DRCHECK_RIP} and the like in its arguments; exit 0 \
            passes, 1 fails, and with dynamic_weight 2-255 passes with weight status - 2). With discover, http and \
            tcp defaults check TCP and fwmark services only: UDP and SCTP services are left alone unless listed with \
            an exec check.
            Maintenance: `drcheck drain SERVICE REAL_SERVER --reason TEXT [--wait]` holds a server at weight 0 \
            until `drcheck undrain`; alpha, sorry_server and on_change hooks are config keys.
            Configuration: `drcheck config check` prints every key with its effective value; the shipped \
            /etc/drcheck/drcheck.yaml explains each one, commented out at its default, drcheck.yaml(5) lists them \
            with their types, and /usr/share/doc/drcheck/OPERATIONS.md says the rest.
            From keepalived: `drcheck config import keepalived /etc/keepalived/keepalived.conf [--ipvsadm FILE]` \
            prints its checker configuration as drcheck's, with a comment for what does not map.
            """,
        version: DrcheckVersion.current,
        subcommands: [
            IPVSCommand.self, StatusCommand.self, ConfigCommand.self, DiagnoseCommand.self, ProbeCommand.self,
            DrainCommand.self, UndrainCommand.self,
        ]
    )

    @OptionGroup var options: AgentOptions

    /// Checks what only the daemon and `--once` use; called from `run`, because ArgumentParser also validates a
    /// parent's options when a subcommand runs (and `drcheck ipvs --json` is fine).
    func validateAgentOptions() throws {
        if options.json && !options.once { throw ValidationError("--json goes with --once") }
        if options.once && options.listen != nil { throw ValidationError("--listen is for the daemon, not --once") }
        if let level = options.logLevel, Logger.Level(rawValue: level) == nil {
            throw ValidationError(
                "--log-level \(level): expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if let format = options.logFormat, LogFormat(rawValue: format) == nil {
            throw ValidationError(
                "--log-format \(format): expected one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try validateAgentOptions()
        let daemonOptions = options.daemonOptions
        if options.once {
            throw ExitCode(OnceRun.run(options: daemonOptions))
        }
        let level = options.logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .info
        let format = LogFormat.forDaemon(flag: options.logFormat.flatMap(LogFormat.init), configPath: options.config)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .text ? StreamLogHandler.standardError(label: label) : LineLogHandler(format: format)
            handler.logLevel = level
            return handler
        }
        throw ExitCode(DaemonMain.run(options: daemonOptions, log: Logger(label: "drcheck")))
    }
}
