import ArgumentParser
import Daemon

/// Options of the daemon and of `--once`.
struct AgentOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "file"))
    var config: String?

    @Option(
        name: .long, help: ArgumentHelp("Listen address: ADDR:PORT, [ADDR6]:PORT or unix:/path.", valueName: "addr"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("State file.", valueName: "file"))
    var state: String?

    @Flag(name: .long, help: "Decide and log, but never write to IPVS.")
    var dryRun = false

    @Option(
        name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "text (a terminal's), journal (syslog priorities, no timestamp), json (an object a line) or auto: journal "
                + "when standard error is systemd's journal, else text; default: the config's log_format, auto.",
            valueName: "format"))
    var logFormat: String?

    @Flag(name: .long, help: "One pass over every server, then exit (for cron).")
    var once = false

    @Flag(name: .long, help: "With --once: print the result as JSON.")
    var json = false
}

extension AgentOptions {
    /// The options as the daemon, `--once` and the commands that share its files take them.
    var daemonOptions: DaemonOptions {
        DaemonOptions(configPath: config, listen: listen, statePath: state, dryRun: dryRun, json: json)
    }
}
