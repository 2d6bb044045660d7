import Agent
import ArgumentParser
import Daemon

#if canImport(Glibc)
    import Glibc
#endif

/// `drcheck config`: the configuration file's subcommands.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the configuration file.",
        subcommands: [ConfigCheckCommand.self]
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
