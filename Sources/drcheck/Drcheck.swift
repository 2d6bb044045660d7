import ArgumentParser

/// `drcheck`: the daemon (default), `--once` for cron, and the operator's subcommands.
struct Drcheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drcheck",
        abstract: "Health-checking keepalive agent for LVS directors in direct-routing mode.",
        discussion: """
            Without a subcommand drcheck runs as a daemon in the foreground; with --once it makes one pass for cron.
            Exit status of --once: 0 every checked server healthy, 1 at least one unhealthy, 2 usage or config \
            error (nothing changed), 3 IPVS unreachable.
            """,
        subcommands: [IPVSCommand.self, StatusCommand.self, ConfigCommand.self]
    )

    @OptionGroup var options: AgentOptions

    func run() throws {
        throw ValidationError("the daemon is not built yet")
    }
}
