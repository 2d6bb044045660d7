import ArgumentParser
import Daemon

/// `drcheck diagnose`: the first thing an operator runs when a DR pool misbehaves.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "One pass of every DR sanity check, with a readable report per service and real server.",
        usage: "drcheck diagnose [--config <file>] [--state <file>]",
        discussion: """
            Checks IPVS, the director's sysctls for DR-path probes, ARP answers for each VIP held here (a real \
            server without arp_ignore=1/arp_announce=2), and probes every real server through the VIP (DR path) \
            and at its own address. Changes no weight and no sysctl.
            Exit status: 0 all is well, 1 a problem was found, 2 config error, 3 IPVS unreachable.
            """)

    // --config and --state are the root command's (ArgumentParser hands the parent's values down this way).
    @OptionGroup(visibility: .private) var options: AgentOptions

    func run() throws {
        var daemonOptions = options.daemonOptions
        daemonOptions.listen = nil
        daemonOptions.dryRun = true
        daemonOptions.json = false
        throw ExitCode(Diagnosis.run(options: daemonOptions))
    }
}
