import Agent
import ArgumentParser
import Daemon
import KeepalivedImport
import Storage

#if canImport(Glibc)
    import Glibc
#endif

/// `drcheck config`: the configuration file's subcommands.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the configuration file.",
        subcommands: [ConfigCheckCommand.self, ConfigImportCommand.self]
    )
}

/// `drcheck config check`: validates the file and prints the effective configuration; changes nothing.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and print the effective configuration (changes nothing).",
        usage: "drcheck config check [--config <file>]",
        discussion: """
            --config: the file to check (default \(Config.defaultPath); when that does not exist, drcheck runs in \
            zero-config discovery, which this prints).

            Exit status: 0 valid (the effective configuration is printed); 2 invalid, with a one-line error naming \
            the file, line and key.
            """
    )

    // The root command parses --config before a subcommand sees it (ArgumentParser hands the parent's values down
    // to the same option group), so it is read there; the usage line above says so.
    @OptionGroup(visibility: .private) var options: AgentOptions

    func run() throws {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: options.config)
        } catch {
            printError("drcheck: \(error)")
            throw ExitCode(2)
        }
        switch loaded.source {
        case .file(let path):
            print("# \(path): valid; the effective configuration:")
        case .zeroConfig(let missing):
            print("# \(missing) does not exist: zero-config discovery, every IPVS service is checked with the defaults")
        }
        print(ConfigPrinter.yaml(loaded.config), terminator: "")
    }
}

/// `drcheck config import keepalived|ldirectord FILE`: keepalived's or ldirectord's checker configuration as
/// drcheck's, and its IPVS table as ipvsadm rules; changes nothing on the director.
struct ConfigImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Translate keepalived's or ldirectord's configuration into drcheck's (printed; changes nothing).",
        usage: "drcheck config import keepalived|ldirectord FILE [--ipvsadm OUTFILE] [--config-id ID]",
        discussion: """
            Prints a drcheck configuration (discover: false, one entry per virtual_server, a comment where \
            keepalived meant something drcheck does differently) for FILE and the files it includes. HTTP_GET and \
            SSL_GET become http checks, TCP_CHECK tcp, MISC_CHECK exec (the program as written: drcheck config \
            check refuses it while it does not exist), SMTP_CHECK a tcp connect; delay_loop is the interval, \
            connect_timeout the timeout (at most the interval), retry + 1 the fall. digest, DNS_CHECK, UDP_CHECK, \
            PING_CHECK, BFD_CHECK, FILE_CHECK, quorum and VRRP cannot be translated: each is a comment in the YAML \
            and a line `FILE:LINE: ...` on stderr; a service none of whose checks drcheck can judge is written \
            commented out, so that drcheck leaves its weights alone.

            --ipvsadm OUTFILE: also write the ipvsadm-restore rules (ipvsadm -R) of the table keepalived builds: \
            keepalived makes the table, drcheck only changes weights.
            --config-id ID: keep the lines written @ID and drop those written @^ID, as keepalived -i ID does; \
            without it every @ID line is skipped with a warning (and @^ID lines kept).

            drcheck config import keepalived /etc/keepalived/keepalived.conf --ipvsadm rules.txt \
            > /etc/drcheck/drcheck.yaml

            ldirectord: ldirectord.cf's virtual sections as services, real= lines as real servers (gate, masq, \
            ipip; IPv4 ranges expanded), checktype negotiate as an http, https, simpletcp or dns check by service \
            (another service by connecting), connect tcp, external exec with ldirectord's four arguments; \
            checkinterval, negotiatetimeout or checktimeout, failurecount, checkport, fallback as a sorry server; \
            ping, on, off and service none cannot be judged: the service is written commented out.

            Exit status: 0 translated (warnings on stderr); 2 not a keepalived configuration (binary, unbalanced \
            braces, no virtual_server, vrrp_instance or global_defs block), unreadable, or OUTFILE not written, \
            with a one-line error.
            """
    )

    @Argument(help: "The checker FILE configures: keepalived or ldirectord.") var checker: String
    @Argument(help: "Its configuration, e.g. /etc/keepalived/keepalived.conf.") var file: String
    @Option(name: .customLong("ipvsadm"), help: "Write the ipvsadm-restore rules of keepalived's table here.")
    var ipvsadm: String?
    @Option(name: .customLong("config-id"), help: "keepalived's -i: which @ID lines to keep.") var configID: String?

    func run() throws {
        guard checker == "keepalived" || checker == "ldirectord" else {
            printError("drcheck: config import: \(checker): unknown checker (known: keepalived, ldirectord)")
            throw ExitCode(2)
        }
        let imported: ImportedConfig
        let yaml: String
        do {
            imported =
                checker == "keepalived"
                ? try KeepalivedImporter.translate(file: file, configID: configID)
                : try LdirectordImporter.translate(file: file)
            yaml = try KeepalivedImporter.loadableYAML(imported)
        } catch {
            printError("drcheck: \(error)")
            throw ExitCode(2)
        }
        if let ipvsadm {
            do {
                try AtomicFile.replace(ipvsadm, with: Array(KeepalivedImporter.ipvsadmRules(imported).utf8))
            } catch {
                printError("drcheck: \(error)")
                throw ExitCode(2)
            }
        }
        for warning in imported.warnings { printError("drcheck: warning: \(warning)") }
        print(yaml, terminator: "")
    }
}
