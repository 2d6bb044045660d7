import ArgumentParser
import Daemon
import FoundationEssentials
import IPVS
import Presentation
import Primitives

/// `drcheck ipvs [--json]`: the kernel's IPVS table as drcheck reads it; the JSON form is documented on
/// `TableDocument`. `set-weight` is the one write an operator needs from it.
struct IPVSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipvs",
        abstract: "Show the kernel's IPVS table as drcheck reads it (like ipvsadm -Ln), or change one weight.",
        discussion: """
            --json prints the stable JSON form: every service and destination field, 64-bit stats.
            Exit status 3: IPVS unreachable (module not loaded, or no CAP_NET_ADMIN).
            """,
        subcommands: [IPVSSetWeight.self]
    )

    /// ArgumentParser parses the root command first, and the root's options (for --once) include `--json`, so
    /// `drcheck ipvs --json` lands there; the root's decoded options are handed down through this group.
    @OptionGroup(visibility: .private) var rootOptions: AgentOptions

    func run() throws {
        let document = try withIPVS { (client) throws(IPVSError) in
            TableDocument(info: try client.info(), table: try client.table())
        }
        if rootOptions.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        } else {
            print(ipvsadmListing(info: document.info, table: document.table), terminator: "")
        }
    }
}

/// `drcheck ipvs set-weight SERVICE RIP:PORT WEIGHT`: unlike `ipvsadm -e`, which resets the forwarding method,
/// thresholds and tunnel settings it is not given, this changes the weight and nothing else.
struct IPVSSetWeight: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-weight",
        abstract: "Change one destination's weight, keeping every other setting as the kernel has it.")

    @Argument(
        help: ArgumentHelp(
            "VIP:PORT/tcp (as drcheck's logs write it), tcp:VIP:PORT, udp:[VIP6]:PORT, VIP:PORT (tcp), fwmark:N or "
                + "fwmark:N/ipv6."))
    var service: String

    @Argument(help: ArgumentHelp("The real server, RIP:PORT or [RIP6]:PORT.", valueName: "real-server"))
    var realServer: String

    @Argument(help: "The new weight, 0 (drain) to 2147483647.")
    var weight: Int32

    func validate() throws {
        guard ServiceKey(service) != nil else { throw ValidationError("cannot read service '\(service)'") }
        guard Endpoint(realServer, allowPortZero: true) != nil else {
            throw ValidationError("cannot read real server '\(realServer)' (RIP:PORT or [RIP6]:PORT)")
        }
        guard weight >= 0 else { throw ValidationError("weight must be 0 or more") }
    }

    func run() throws {
        let key = ServiceKey(service)!
        let server = Endpoint(realServer, allowPortZero: true)!
        let old = try withIPVS { (client) throws(IPVSError) -> Int32 in
            guard
                let destination = try client.destinations(of: key).first(where: { $0.endpoint == server })
            else { throw .destinationGone(key, server.address, port: server.port) }
            try client.setWeight(weight, of: destination, in: key)
            return destination.weight
        }
        print("\(key) -> \(server): weight \(old) -> \(weight)")
    }
}

/// Runs `body` on a fresh client; an IPVS failure becomes its one-line message and exit status 3 when IPVS is
/// unreachable (not loaded, no CAP_NET_ADMIN), 1 otherwise.
private func withIPVS<T>(_ body: (IPVSClient) throws(IPVSError) -> T) throws -> T {
    do {
        return try body(try IPVSClient())
    } catch {
        printError("drcheck: \(error)")
        switch error {
        case .notAvailable, .permissionDenied: throw ExitCode(3)
        default: throw ExitCode.failure
        }
    }
}
