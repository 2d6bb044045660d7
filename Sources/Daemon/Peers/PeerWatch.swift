import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Probe

/// `peers`: every `interval` each peer's `/verdicts` is read through the probe engine (one request a peer at a time,
/// bounded by `timeout`, on the loop beside the probes), and compared with this director's verdicts
/// (`PeerComparison`). A disagreement that lasts is logged and exported; a peer that cannot be read is said once and
/// compared with nothing. No weight ever depends on a peer (OPERATIONS.md "Peers").
final class PeerWatch {
    static let interval: Duration = .seconds(2)
    static let timeout: Duration = .seconds(1)
    /// A peer's verdicts at 10,000 servers take about 600 KB.
    static let bodyLimit = 16 << 20

    private let loop: EventLoop
    private let origin: Monotonic
    private let metrics: DrcheckMetrics
    private let conditions: ConditionLog
    /// Starts a request and hands its result to the completion (the daemon's probe engine).
    private let fetch: (NetworkCheck, @escaping (ProbeResult) -> Void) -> Void
    /// This director's verdicts now.
    var ours: () -> [ServerID: Bool] = { [:] }
    /// A server's series labels, if it is probed.
    var labels: (ServerID) -> ServerLabels? = { _ in nil }

    private var peers: [Endpoint] = []
    /// Each peer's verdicts as last read (nil: not read, or its last read failed).
    private(set) var views: [String: [ServerID: Bool]] = [:]
    private var up: [String: Bool] = [:]
    private var reading: Set<String> = []
    private var comparison = PeerComparison()
    private var timer: EventLoop.TimerID?

    init(
        loop: EventLoop, origin: Monotonic, metrics: DrcheckMetrics, conditions: ConditionLog,
        fetch: @escaping (NetworkCheck, @escaping (ProbeResult) -> Void) -> Void
    ) {
        self.loop = loop
        self.origin = origin
        self.metrics = metrics
        self.conditions = conditions
        self.fetch = fetch
    }

    /// The peers of the config (at start and at each reload); none stops the watch.
    func configure(_ peers: [Endpoint]) {
        let names = Set(peers.map(\.description))
        for gone in self.peers.map(\.description) where !names.contains(gone) {
            views[gone] = nil
            up[gone] = nil
            conditions.clear("peer \(gone)", "peer \(gone) no longer configured")
            for disagreement in comparison.forget(peer: gone) { ended(disagreement) }
        }
        self.peers = peers
        publish()
        if let timer { loop.cancel(timer) }
        timer = nil
        guard !peers.isEmpty else { return }
        poll()
    }

    /// Each peer's verdict on `id`, `up` or `down`, for /status; nil without peers.
    func verdicts(of id: ServerID) -> [String: String]? {
        guard !peers.isEmpty else { return nil }
        var verdicts: [String: String] = [:]
        for peer in peers.map(\.description) {
            if let healthy = views[peer]?[id] { verdicts[peer] = healthy ? "up" : "down" }
        }
        return verdicts
    }

    private func poll() {
        timer = loop.schedule(after: Self.interval) { [weak self] in self?.poll() }
        for peer in peers where !reading.contains(peer.description) {
            let name = peer.description
            guard let check = Self.request(peer) else { continue }
            reading.insert(name)
            fetch(check) { [weak self] result in self?.read(name, result) }
        }
    }

    private func read(_ peer: String, _ result: ProbeResult) {
        reading.remove(peer)
        guard peers.contains(where: { $0.description == peer }) else { return }
        let now = loop.now() - origin
        do {
            views[peer] = try Self.verdicts(result)
            up[peer] = true
            conditions.clear("peer \(peer)", "peer \(peer) read again")
        } catch {
            views[peer] = nil
            up[peer] = false
            // The class alone: libcurl's words carry timings ("after 2 ms"), which would make each failure a new one.
            let why = result.isOK ? "\(error)" : result.probeClass.rawValue
            conditions.raise(
                "peer \(peer)", .warning,
                "peer \(peer): its verdicts cannot be read (\(why)); compared with nothing until they can, and no "
                    + "weight depends on them")
        }
        let (began, ended) = comparison.compare(peer: peer, theirs: views[peer], ours: ours(), at: now)
        for disagreement in began {
            let line =
                "\(disagreement) for \(PrometheusDuration.format(PeerComparison.lasting)) or more: one director's "
                + "path to it, or the server behind it (drcheck diagnose on each)"
            conditions.log.warning("\(line)")
        }
        for disagreement in ended { self.ended(disagreement) }
        publish()
    }

    /// The request for `peer`'s verdicts.
    static func request(_ peer: Endpoint) -> NetworkCheck? {
        var check = try? NetworkCheck(
            address: peer.address, port: peer.port, path: "/verdicts", expectedStatus: StatusRanges([200...200]),
            timeout: timeout)
        check?.bodyKept = bodyLimit
        return check
    }

    /// A peer's verdicts from the answer to `request`.
    static func verdicts(_ result: ProbeResult) throws(PeerVerdicts.ParseError) -> [ServerID: Bool] {
        guard result.isOK, let body = result.body else { throw .notVerdicts }
        return try verdicts(body)
    }

    /// A director's verdicts from their text (`PeerVerdicts`).
    static func verdicts(_ body: [UInt8]) throws(PeerVerdicts.ParseError) -> [ServerID: Bool] {
        Dictionary(
            try PeerVerdicts.parse(body).map { (ServerID(service: $0.key.service, server: $0.key.server), $0.value) },
            uniquingKeysWith: { first, _ in first })
    }

    private func ended(_ disagreement: PeerComparison.Disagreement) {
        conditions.log.notice("\(disagreement.id): peer \(disagreement.peer) agrees again, or is not compared")
    }

    private func publish() {
        let disagreements = comparison.reported.compactMap { disagreement in
            labels(disagreement.id).map { PeerLabels(server: $0, peer: disagreement.peer) }
        }
        metrics.setPeers(up: up, disagreements: Set(disagreements))
    }
}
