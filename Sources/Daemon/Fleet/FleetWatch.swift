import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Probe

/// `fleet`: every `interval`, on the loop beside the probes and through the probe engine, this director keeps its
/// lease in etcd, publishes its verdicts under it when they changed, and reads the other live directors'
/// (`FleetAgreement`); the servers a quorum of them sees failing go to the decision core as `.fleet`. When etcd cannot
/// be read or the lease is lost, the director goes on its own verdicts (an empty `.fleet`), says so once, and comes
/// back when it can (OPERATIONS.md "An ECMP fleet").
final class FleetWatch {
    static let interval: Duration = .seconds(1)

    private let loop: EventLoop
    private let metrics: DrcheckMetrics
    private let conditions: ConditionLog
    /// Starts a request and hands its result to the completion (the daemon's probe engine).
    private let fetch: (NetworkCheck, @escaping (ProbeResult) -> Void) -> Void
    /// This director's verdicts now, and their text as published (made only when they changed: at 10,000 servers
    /// the text is 600 KB).
    var ours: () -> [ServerID: Bool] = { [:] }
    var text: () -> [UInt8] = { [] }
    /// Hands the decision core the fleet's verdicts.
    var deliver: (AgentEvent) -> Void = { _ in }
    /// A server's series labels, if it is probed.
    var labels: (ServerID) -> ServerLabels? = { _ in nil }

    private var settings: FleetSettings?
    private var name = ""
    /// The endpoint the calls go to: the next one after a call fails.
    private var endpoint = 0
    private var lease: String?
    private var renewed = Monotonic(nanoseconds: 0)
    /// The verdicts put under the lease last.
    private var published: [ServerID: Bool]?
    /// Each director's verdicts as read, by key, with the revision they were read at: a tick lists the keys and
    /// their revisions, and reads only the values that changed (at 10,000 servers a director's are 800 KB).
    private var parsed: [String: (revision: String, verdicts: [ServerID: Bool]?)] = [:]
    /// The fleet's keys as this tick listed them; nil until listed.
    private var listing: [EtcdGateway.Entry]?
    private var busy = false
    /// Bumped at each configure: the answers to calls made before are dropped.
    private var generation = 0
    /// Since when each server has failed from this director only; those it lasted `PeerComparison.lasting` for are
    /// said and exported (the director that sees a stopped server first is not its path).
    private var hereOnlySince: [ServerID: Monotonic] = [:]
    private var hereOnly: Set<ServerID> = []
    private var timer: EventLoop.TimerID?
    /// The last set given to the decision core; nil before the first (which is given even when empty: the decision
    /// core holds restores until it hears from the fleet).
    private var delivered: [ServerID: Int]?
    private(set) var agreement = FleetAgreement()
    /// The live directors read last, this one included; nil while the store is not read.
    private(set) var directors: Int?

    init(
        loop: EventLoop, metrics: DrcheckMetrics, conditions: ConditionLog,
        fetch: @escaping (NetworkCheck, @escaping (ProbeResult) -> Void) -> Void
    ) {
        self.loop = loop
        self.metrics = metrics
        self.conditions = conditions
        self.fetch = fetch
    }

    /// The fleet of the config (at start and at each reload), this director known by its `name` there, else by its
    /// host's; nil stops it.
    func configure(_ settings: FleetSettings?) {
        let name = settings.map { $0.name ?? HostName.current } ?? ""
        guard settings != self.settings || name != self.name else { return }
        if let timer { loop.cancel(timer) }
        timer = nil
        self.settings = settings
        self.name = name
        lease = nil
        published = nil
        endpoint = 0
        busy = false
        generation += 1
        guard settings != nil else {
            // No fleet: its drains lifted.
            fallBack(nil)
            return conditions.clear("fleet", "fleet: no longer configured")
        }
        // Its next reading (or failure) is given whatever it is.
        delivered = nil
        tick()
    }

    private func tick() {
        timer = loop.schedule(after: Self.interval) { [weak self] in self?.tick() }
        guard !busy else { return }
        busy = true
        listing = nil
        step()
    }

    /// The next call this tick: a lease first, kept alive every third of its time, the verdicts put when they
    /// changed, then the fleet read.
    private func step() {
        guard let settings else {
            busy = false
            return
        }
        let at = settings.etcd[endpoint % settings.etcd.count]
        guard let lease else {
            return call(EtcdGateway.grant(at, ttl: settings.lease), at: at) {
                [unowned self] result throws(EtcdGateway.Failure) in
                self.lease = try EtcdGateway.granted(result)
                renewed = loop.now()
                published = nil
            }
        }
        if loop.now() - renewed >= settings.lease / 3 {
            return call(EtcdGateway.keepAlive(at, lease: lease), at: at) {
                [unowned self] result throws(EtcdGateway.Failure) in
                guard try EtcdGateway.keptAlive(result) else {
                    self.lease = nil
                    throw EtcdGateway.Failure(description: "this director's lease expired")
                }
                renewed = loop.now()
            }
        }
        let verdicts = ours()
        if verdicts != published {
            return call(EtcdGateway.put(at, key: settings.prefix + name, value: text(), lease: lease), at: at) {
                [unowned self] result throws(EtcdGateway.Failure) in
                do throws(EtcdGateway.Failure) {
                    try EtcdGateway.stored(result)
                } catch {
                    // Expired while etcd was away: the next tick takes a new one.
                    if error.description.contains("lease not found") { self.lease = nil }
                    throw error
                }
                published = verdicts
            }
        }
        guard let listing else {
            return call(EtcdGateway.keys(at, prefix: settings.prefix), at: at) {
                [unowned self] result throws(EtcdGateway.Failure) in
                listing = try EtcdGateway.entries(result)
            }
        }
        let own = settings.prefix + name
        if let changed = listing.first(where: { $0.key != own && parsed[$0.key]?.revision != $0.revision }) {
            return call(EtcdGateway.get(at, key: changed.key), at: at) {
                [unowned self] result throws(EtcdGateway.Failure) in
                // Known by the listed revision, whatever came since (read at the next tick): each key once a tick.
                let value = try EtcdGateway.entries(result).first?.value
                parsed[changed.key] = (changed.revision, value.flatMap { try? PeerWatch.verdicts($0) })
            }
        }
        agree(listing, settings: settings, lease: lease)
    }

    private static func refused(_ endpoint: Endpoint) -> EtcdGateway.Failure {
        EtcdGateway.Failure(description: "no request can be made to \(endpoint)")
    }

    /// Makes `request`, hands its answer to `handle`, and goes on with the next step, or falls back when it failed.
    private func call(
        _ request: NetworkCheck?, at: Endpoint, _ handle: @escaping (ProbeResult) throws(EtcdGateway.Failure) -> Void
    ) {
        guard let request else { return failed(Self.refused(at)) }
        let generation = generation
        fetch(request) { [weak self] result in
            guard let self, generation == self.generation else { return }
            do throws(EtcdGateway.Failure) {
                try handle(result)
                step()
            } catch {
                failed(error)
            }
        }
    }

    /// The tick's end: the fleet as listed and read, agreed on.
    private func agree(_ entries: [EtcdGateway.Entry], settings: FleetSettings, lease: String) {
        busy = false
        var others: [String: [ServerID: Bool]] = [:]
        // Gone from the store (etcd's data lost meanwhile): put again at the next tick.
        if !entries.contains(where: { $0.key == settings.prefix + name }) { published = nil }
        for entry in entries {
            let director = String(entry.key.dropFirst(settings.prefix.count))
            if director == name {
                if entry.lease != lease {
                    conditions.raise(
                        "fleet name", .warning,
                        "fleet: another director publishes as \(name) (a lease not this one's): give each its own name")
                }
                continue
            }
            others[director] = parsed[entry.key]?.verdicts
        }
        parsed = parsed.filter { key, _ in entries.contains { $0.key == key } }
        conditions.clear("fleet", "fleet: read again through etcd \(settings.etcd[endpoint % settings.etcd.count])")
        directors = others.count + 1
        agreement = FleetAgreement(others: others, ours: ours(), quorum: settings.quorum)
        give(agreement.down)
    }

    /// A call failed: the fleet is not read until a call works again, at the next tick, through the next endpoint.
    private func failed(_ failure: EtcdGateway.Failure) {
        busy = false
        guard let settings else { return }
        let at = settings.etcd[endpoint % settings.etcd.count]
        endpoint += 1
        // Past its time, the lease is gone from the store too: a new one when etcd answers again.
        if loop.now() - renewed >= settings.lease { lease = nil }
        fallBack("fleet: etcd \(at): \(failure); on this director's own verdicts until the fleet is read again")
    }

    /// On this director's own verdicts: the fleet drains nothing; `message` says why, once.
    private func fallBack(_ message: String?) {
        directors = nil
        agreement = FleetAgreement()
        if let message { conditions.raise("fleet", .warning, message) }
        give([:])
    }

    private func give(_ down: [ServerID: Int]) {
        let now = loop.now()
        hereOnlySince = agreement.downHereOnly.keys.reduce(into: [:]) { $0[$1] = hereOnlySince[$1] ?? now }
        let lasting = Set(hereOnlySince.filter { now - $0.value >= PeerComparison.lasting }.keys)
        for id in hereOnly.subtracting(lasting) {
            conditions.clear("fleet here only \(id)", "\(id): no longer failing from this director only")
        }
        for id in lasting.subtracting(hereOnly).sorted() {
            conditions.raise(
                "fleet here only \(id)", .warning,
                "\(id): failing from this director only (up at \(agreement.downHereOnly[id] ?? 0) others of the "
                    + "fleet) for \(PrometheusDuration.format(PeerComparison.lasting)): kept drained here; this "
                    + "director's path to it (drcheck diagnose)")
        }
        hereOnly = lasting
        publish()
        guard down != delivered else { return }
        delivered = down
        deliver(.fleet(down))
    }

    private func publish() {
        metrics.setFleet(
            configured: settings != nil, directors: directors,
            down: Set(agreement.down.keys.compactMap(labels)),
            downHereOnly: Set(hereOnly.compactMap(labels)))
    }
}
