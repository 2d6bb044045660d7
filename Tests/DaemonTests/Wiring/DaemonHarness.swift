import Agent
import EventLoop
import Foundation
import IPVS
import Logging
import Primitives
import Probe
import Storage

@testable import Daemon

/// The log lines a daemon wrote, as the journal gets them (`<priority>metadata message`).
final class LogBook: @unchecked Sendable {
    private(set) var lines: [String] = []

    func append(_ line: String) { lines.append(line) }

    /// The lines since the last call.
    func take() -> [String] {
        defer { lines.removeAll() }
        return lines
    }
}

struct LogBookHandler: LogHandler {
    let book: LogBook
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        book.append(
            LineLogHandler.journalLine(event.level, "\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 }))
    }
}

/// A daemon wired as in production (`launch`), on an event loop whose clock moves only when the test says, with a
/// fake IPVS table, fake network probes and a director of the test's own (interfaces; sysctls that need nothing).
final class DaemonHarness {
    /// The loop's clock: starts at an arbitrary point, moves by `advance` and `oversleep`.
    final class VirtualClock {
        var now = Monotonic(nanoseconds: 1_000_000_000_000)

        /// Moves to `end`, running each of `loop`'s timers at its own deadline and the loop's turns on the way.
        func move(_ loop: EventLoop, to end: Monotonic) throws {
            try loop.runOnce(timeout: 0)
            while let next = loop.nextDeadline, next <= end {
                now = max(now, next)
                try loop.runOnce(timeout: 0)
            }
            now = end
            try loop.runOnce(timeout: 0)
        }
    }

    static let service = ServiceKey("198.51.100.10:80/tcp")!

    static func server(_ last: Int) -> Endpoint { Endpoint("203.0.113.\(last):80")! }

    static func id(_ last: Int) -> ServerID { ServerID(service: service, server: server(last)) }

    let clock = VirtualClock()
    let loop: EventLoop
    let ipvs: FakeIPVS
    let engine: FakeEngine
    let log = LogBook()
    /// The kernel's counters for the director's faults, and its neighbour entries, as a test sets them.
    let faults = FaultsBox()
    let daemon: AgentDaemon<FakeEngine>
    private let folder: String
    var configPath: String { folder + "/drcheck.yaml" }
    /// The director's sysctls (its limits are read from here, and `dr_sysctls: fix` writes here).
    var sysctls: String { folder + "/sys" }

    /// `check`: the YAML of the service's check; the kernel has the service with `servers` (last octets), by direct
    /// routing at `weight`; the director has 203.0.113.1/24 on eth1.
    /// `top`: more top-level YAML; `realServers`: the service's `real_servers` entries; `alsoAt`: more VIPs, each
    /// a service of the same check and servers; `dryRun`: `--dry-run`.
    init(
        check: String, servers: [Int], weight: Int32 = 5, logLevel: Logger.Level = .info, top: String = "",
        realServers: String = "", alsoAt: [Endpoint] = [], dryRun: Bool = false
    ) throws {
        folder = NSTemporaryDirectory() + "drcheck-wiring-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.writeConfig(
            folder + "/drcheck.yaml", state: folder + "/state.json", check: check, top: top, realServers: realServers,
            alsoAt: alsoAt)
        let loaded = try ConfigLoader.load(path: folder + "/drcheck.yaml")
        // The config read again on a reload (SIGHUP).
        let options = DaemonOptions(
            configPath: folder + "/drcheck.yaml", listen: nil, statePath: nil, dryRun: dryRun, json: false)
        guard case .acquired(let lock) = try StateLock.acquire(forState: loaded.config.stateFile) else {
            throw StartupError.runtime("state lock held")
        }
        let destinations = servers.map {
            Destination(address: Self.server($0).address, port: 80, forwarding: .route, weight: weight)
        }
        var table = [Self.service: destinations]
        for vip in alsoAt { table[.virtual(vip, .tcp)] = destinations }
        ipvs = FakeIPVS(table)
        let clock = clock
        loop = try EventLoop(clock: { clock.now })
        engine = FakeEngine(loop: loop)
        let book = log
        let logger = Logger(label: "drcheck") { _ in LogBookHandler(book: book, logLevel: logLevel) }
        let interfaces = DirectorInterfaces([(interface: "eth1", address: IPAddress("203.0.113.1")!, prefixLength: 24)])
        daemon = AgentDaemon(
            loop: loop, ipvs: ipvs, engine: engine,
            host: DirectorHost(
                interfaces: { interfaces }, sysctls: DRSysctls(root: folder + "/sys"),
                limits: { [folder] in DirectorLimits.read(root: folder + "/sys", openFiles: nil) },
                faultReading: { [faults] in faults.reading },
                neighbourEntries: { [faults] in faults.entries[$0] }
            ),
            options: options, loaded: loaded, lock: lock, log: logger, environment: [:])
        try daemon.launch(listen: try ListenAddress(parsing: "127.0.0.1:0"), environment: [:])
        try loop.runOnce(timeout: 0)
    }

    /// The config file: the service 198.51.100.10:80 with `check` and `realServers`, one more of the same check at
    /// each of `alsoAt`, `top` above.
    static func writeConfig(
        _ path: String, state: String, check: String, top: String = "", realServers: String = "",
        alsoAt: [Endpoint] = []
    ) throws {
        let yaml = """
            state_file: \(state)
            arp_watch: 0s
            \(top)
            services:
              - vip: "198.51.100.10:80"
                check: {\(check)}
                real_servers: [\(realServers)]
            \(alsoAt.map { "  - vip: \"\($0)\"\n    check: {\(check)}\n" }.joined())

            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Writes a new config for a reload.
    func rewriteConfig(check: String, top: String = "", realServers: String = "") throws {
        try Self.writeConfig(
            configPath, state: folder + "/state.json", check: check, top: top, realServers: realServers)
    }

    deinit {
        daemon.server?.close()
        daemon.lock.release()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Moves the clock by `duration`, running every timer at its own deadline and the loop's turns on the way, as
    /// a loop that is never late does.
    func advance(by duration: Duration) throws { try clock.move(loop, to: clock.now + duration) }

    /// The first round: every server's first probe ends (their phases spread them over the first 0.62 interval of
    /// 1s), and the clock stops short of the next round, so that each later `advance(by: .seconds(1))` holds one
    /// probe of each server whatever its phase.
    func firstRound() throws { try advance(by: .milliseconds(900)) }

    /// Moves the clock by `duration` at once and then runs what is due, as a loop that was stalled so long does.
    func oversleep(by duration: Duration) throws {
        clock.now = clock.now + duration
        try loop.runOnce(timeout: 0)
    }

    /// The value of the series `name{labels}` in the daemon's /metrics exposition; nil when it has none.
    func metric(_ series: String) -> String? {
        let text = String(decoding: daemon.metrics.render(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map {
            String($0.dropFirst(series.count + 1))
        }
    }

    /// The series labels of one real server, as /metrics writes them.
    static func labels(_ last: Int) -> String { #"service="198.51.100.10:80",real_server="203.0.113.\#(last):80""# }
}

/// The kernel's fault counters and neighbour entries as a test sets them, read by the daemon each second.
final class FaultsBox {
    var reading = DirectorFaultWatch.Reading()
    var entries: [AddressFamily: [IPAddress: UInt16]] = [:]
}

extension DaemonHarness {
    /// Writes the director's IPv4 neighbour thresholds gc_thresh1, 2 and 3 as its sysctl files.
    func setNeighbourThresholds(_ values: [Int]) throws {
        let folder = sysctls + "/net/ipv4/neigh/default"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, value) in values.enumerated() {
            try "\(value)\n".write(toFile: "\(folder)/gc_thresh\(index + 1)", atomically: false, encoding: .utf8)
        }
    }

    /// The thresholds as the sysctl files hold them now.
    func neighbourThresholds() -> [Int] {
        (1...3).compactMap {
            try? Int(
                String(contentsOfFile: "\(sysctls)/net/ipv4/neigh/default/gc_thresh\($0)", encoding: .utf8).filter(
                    \.isNumber))
        }
    }
}
