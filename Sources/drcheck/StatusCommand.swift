import Agent
import ArgumentParser
import Daemon
import Exporter
import Presentation
import Primitives

#if canImport(Glibc)
    import Glibc
#endif

/// `drcheck status`: asks the running daemon what it sees.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running daemon's services and real servers.",
        usage: "drcheck status [--listen <addr>] [--config <file>] [--json]",
        discussion: """
            --listen: the daemon's address, ADDR:PORT, [ADDR6]:PORT or unix:/path; by default the `listen` of the \
            config file (--config, else \(Config.defaultPath)), as the daemon chooses it, else \(ListenAddress.default).
            --json: print the daemon's JSON document as it came.

            Exit status: 0 the daemon answered; 1 something answered, but not with drcheck's status; 2 usage \
            error; 3 the daemon is not running (nothing listens at the address).
            """
    )

    // The root command parses --listen and --json before a subcommand sees them (ArgumentParser hands the parent's
    // values down to the same option group), so status reads them there; the usage line above says so.
    @OptionGroup(visibility: .private) var options: AgentOptions

    func run() throws {
        let address = try daemonAddress()
        do {
            let body = try StatusClient.get("/status", from: address)
            let document = try StatusDocument(json: body)
            print(options.json ? String(decoding: body, as: UTF8.self) : StatusTable.render(document), terminator: "")
        } catch let failure as StatusClient.Failure {
            printError("drcheck: \(failure)")
            if case .notRunning = failure { throw ExitCode(3) }
            throw ExitCode(1)
        } catch {
            printError("drcheck: \(error)")
            throw ExitCode(1)
        }
    }

    /// --listen, else the config file's `listen` (the daemon's own choice), else the default address.
    private func daemonAddress() throws -> ListenAddress {
        var text = options.listen
        if text == nil {
            do {
                text = try ConfigLoader.load(path: options.config).config.listen
            } catch {
                printError("drcheck: warning: \(error); asking \(ListenAddress.default)")
            }
        }
        do {
            return try text.map { text throws(ListenAddressError) in try ListenAddress(parsing: text) } ?? .default
        } catch {
            throw ValidationError(error.description)
        }
    }
}
