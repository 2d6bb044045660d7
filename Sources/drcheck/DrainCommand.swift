import ArgumentParser
import Daemon

/// `drcheck drain`: takes a real server out for maintenance, for good until `drcheck undrain`.
struct DrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Set a real server's weight to 0 and hold it there, whatever its checks say, until undrain.",
        usage:
            "drcheck drain <service> <real-server> [--reason <text>] [--wait] [--timeout <duration>] [--config <file>] [--state <file>]",
        discussion: """
            SERVICE and REAL-SERVER as drcheck status names them: the service's name, VIP:PORT or fwmark:N; the \
            real server's RIP:PORT (or RIP when it has one port there). The drain is recorded with its reason, the \
            time and the user (SUDO_USER under sudo) in drains.json beside the state file, survives restarts and \
            reloads, and shows in drcheck status, /status and drcheck_real_server_admin_drained. A running daemon \
            is told at once; without one, the next start or --once holds the server too.
            --wait: then follow the server's active connections in the kernel until none is left (a live line on a \
            terminal), at most --timeout (default 5m).

            Exit status: 0 drained (and, with --wait, empty); 1 connections left at the timeout; 2 usage error or \
            an unknown service or server (nothing changed); 3 IPVS unreachable.
            """
    )

    @OptionGroup(visibility: .private) var options: AgentOptions

    @Argument(help: ArgumentHelp("The service, as drcheck status names it.", valueName: "service"))
    var service: String

    @Argument(help: ArgumentHelp("The real server: RIP:PORT, or RIP.", valueName: "real-server"))
    var server: String

    @Option(help: ArgumentHelp("Why, for drcheck status and the log.", valueName: "text"))
    var reason = ""

    @Flag(help: "Wait until no active connection is left on the server.")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits (default 5m).", valueName: "duration"))
    var timeout: String?

    func run() throws {
        if timeout != nil, !wait { throw ValidationError("--timeout goes with --wait") }
        let limit = try timeout.map(durationOption) ?? .seconds(300)
        let run = DrainRun(options: options.daemonOptions, action: .drain(reason: reason, wait: wait ? limit : nil))
        throw ExitCode(run.run(service: service, server: server))
    }
}

/// `drcheck undrain`: hands a server drained with `drcheck drain` back to its checks.
struct UndrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undrain",
        abstract: "Hand a real server drained with drcheck drain back to its checks (restored once they pass).",
        usage: "drcheck undrain <service> <real-server> [--config <file>] [--state <file>]",
        discussion: """
            The server gets its configured weight back, with slow start, once rise probes in a row pass. A weight 0 \
            set with ipvsadm is not drcheck's drain: set a weight with ipvsadm to end it.
            Exit status: 0 undrained; 2 usage error, an unknown service or server, or a server not drained with \
            drcheck drain (nothing changed); 3 IPVS unreachable.
            """
    )

    @OptionGroup(visibility: .private) var options: AgentOptions

    @Argument(help: ArgumentHelp("The service, as drcheck status names it.", valueName: "service"))
    var service: String

    @Argument(help: ArgumentHelp("The real server: RIP:PORT, or RIP.", valueName: "real-server"))
    var server: String

    func run() throws {
        throw ExitCode(DrainRun(options: options.daemonOptions, action: .undrain).run(service: service, server: server))
    }
}
