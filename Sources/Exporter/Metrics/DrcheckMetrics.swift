import EventLoop
import Primitives

/// drcheck's metrics, rendered in the text format on each scrape: the per-server families from plain `ServerRecord`s,
/// the others series by series (`Series`, in a `ShardedRegistry`). The daemon calls the methods on its loop; a series
/// appears with the first value set for it and disappears with `removeServer` or `removeService`.
public final class DrcheckMetrics {
    private let store = ShardedRegistry(MetricFamilies.registered)
    private var servers: [ServerLabels: ServerRecord] = [:]
    private var panics: [String: Gauge] = [:]
    private var serviceInfos: [String: (labels: [(String, String)], gauge: Gauge)] = [:]
    private var ipvsUpdates: [IPVSOperation: Counter] = [:]
    private var ipvsErrors: [IPVSOperation: Counter] = [:]
    private let probeStartDelay: ValueHistogram
    private let reloadSuccessful: Gauge
    private let reloadTimestamp: Gauge
    private let directorFault: Gauge
    private var arpConflicts: [ARPConflictLabels: Gauge] = [:]
    private var neighbours: [String: Gauge] = [:]
    private var neighbourLimits: [String: Gauge] = [:]
    private var limitFaults: [String: Gauge] = [:]
    private var headroom: [String: (used: Gauge, limit: Gauge)] = [:]
    private var shadowDisagreements: [ShadowLabels: Gauge] = [:]
    private var peersUp: [String: Gauge] = [:]
    private var peerDisagreements: [PeerLabels: Gauge] = [:]
    /// `fleet`'s store and directors, while a fleet is configured.
    private var fleet: (storeUp: Gauge, directors: Gauge)?
    private var fleetDown: [ServerLabels: Gauge] = [:]
    private var fleetDownHereOnly: [ServerLabels: Gauge] = [:]
    private let overloaded: Gauge
    private let achievedInterval: Gauge
    private var discounted: [DiscountReason: Counter] = [:]
    private var hookRuns: [HookResult: Counter] = [:]
    private let descriptorsExhausted: Counter
    private let feedbackInvalid: Counter
    /// The last exposition's size, which the next rendering reserves at once (with a little to spare): grown from
    /// empty by doubling, its buffer held up to three times the exposition at the last copy and twice it after.
    private var lastSize = 0
    /// Whether the exposition has the per-server probe-duration histograms (16 series a server).
    public var probeDurations = true
    /// Whether the exposition has the kernel's seven per-destination figures (`drcheck_ipvs_connections_*` and the
    /// packet and byte counters). With both off a large director's scrape is a fraction of the size; the values
    /// are kept either way, so turning one back on shows them at once.
    public var ipvsCounters = true
    /// The clock values that decay with time (flap penalties) are rendered at: the daemon's loop's.
    public var clock: () -> Monotonic = { .now() }

    public init(version: String) {
        store.registry(MetricFamilies.buildInfo)
            .makeGauge(descriptor: MetricFamilies.buildInfo, labels: [("version", version)]).set(to: 1)
        probeStartDelay = store.registry(MetricFamilies.probeStartDelay)
            .makeValueHistogram(descriptor: MetricFamilies.probeStartDelay, buckets: MetricFamilies.startDelayBuckets)
        reloadSuccessful = store.registry(MetricFamilies.reloadSuccessful)
            .makeGauge(descriptor: MetricFamilies.reloadSuccessful)
        reloadTimestamp = store.registry(MetricFamilies.reloadTimestamp)
            .makeGauge(descriptor: MetricFamilies.reloadTimestamp)
        directorFault = store.registry(MetricFamilies.directorFault)
            .makeGauge(descriptor: MetricFamilies.directorFault)
        directorFault.set(to: 0)
        overloaded = store.registry(MetricFamilies.overloaded).makeGauge(descriptor: MetricFamilies.overloaded)
        overloaded.set(to: 0)
        achievedInterval = store.registry(MetricFamilies.achievedInterval)
            .makeGauge(descriptor: MetricFamilies.achievedInterval)
        descriptorsExhausted = store.registry(MetricFamilies.descriptorsExhausted)
            .makeCounter(descriptor: MetricFamilies.descriptorsExhausted)
        feedbackInvalid = store.registry(MetricFamilies.feedbackInvalid)
            .makeCounter(descriptor: MetricFamilies.feedbackInvalid)
    }

    /// The exposition, Prometheus text format 0.0.4, rendered at once.
    public func render() -> [UInt8] {
        let rendering = startRendering()
        for unit in 0..<rendering.unitCount { rendering.emit(unit: unit) }
        return finish(rendering)
    }

    /// Renders the exposition a slice at a time on `loop`: after each `slice` of work it yields, so that timers due
    /// meanwhile (probes) run first. `done` gets the exposition on the loop.
    public func render(on loop: EventLoop, slice: Duration = .milliseconds(2), _ done: @escaping ([UInt8]) -> Void) {
        let rendering = startRendering()
        loop.runInSlices(
            count: rendering.unitCount, slice: slice, { unit in rendering.emit(unit: unit) },
            done: { done(self.finish(rendering)) })
    }

    private func startRendering() -> Rendering {
        var leftOut: Set<ServerFamily> = probeDurations ? [] : [.probeDuration]
        if !ipvsCounters { leftOut.formUnion(ServerFamily.ipvsCounters) }
        return Rendering(
            store: store, servers: Array(servers.values), leftOut: leftOut, capacity: lastSize + lastSize / 16,
            now: clock())
    }

    private func finish(_ rendering: Rendering) -> [UInt8] {
        lastSize = rendering.buffer.count
        return rendering.buffer
    }

    // MARK: real servers

    /// Sets the three fixed series of a real server (creating them the first time).
    /// `flapPenalty`: its penalty under flap_damping (nil: none, no series).
    public func updateServer(
        _ server: ServerLabels, up: Bool, weight: Int, configuredWeight: Int, adminDrained: Bool = false,
        flapPenalty: DecayingValue? = nil
    ) {
        let record = self.record(server)
        record.up = up
        record.weight = weight
        record.configuredWeight = configuredWeight
        record.adminDrained = adminDrained
        record.flap = flapPenalty
    }

    /// Counts one finished probe under its result class (`ok` or the kind of failure) and records its duration.
    public func observeProbe(_ server: ServerLabels, resultClass: String, duration: Duration) {
        record(server).observeProbe(resultClass: resultClass, seconds: max(0, duration.seconds))
    }

    /// Records how late a probe started after it was due (its scheduler's lateness), for every probe.
    public func observeProbeStartDelay(_ delay: Duration) {
        probeStartDelay.record(max(0, delay.seconds))
    }

    /// Counts a change of the server's health state, e.g. from `up` to `down`.
    public func recordTransition(_ server: ServerLabels, from: String, to: String) {
        record(server).recordTransition(from: from, to: to)
    }

    /// Mirrors the kernel's figures for the server's IPVS destination.
    public func updateKernelCounters(_ server: ServerLabels, _ counters: DestinationCounters) {
        record(server).kernel = counters
    }

    /// Removes every series of a real server that is no longer checked.
    public func removeServer(_ server: ServerLabels) {
        servers[server] = nil
    }

    // MARK: services

    public func setServicePanic(_ service: String, _ panic: Bool) {
        let gauge =
            panics[service]
            ?? registry(MetricFamilies.servicePanic, of: service)
            .makeGauge(descriptor: MetricFamilies.servicePanic, labels: [("service", service)])
        panics[service] = gauge
        gauge.set(to: panic ? 1 : 0)
    }

    /// The service's info series: its address as IPVS keys it (`VIP:port`, `fwmark:N`), its protocol and its
    /// check's type; a reload that changes one replaces the series.
    public func setServiceInfo(_ service: String, address: String, transport: String, check: String) {
        let labels = [("service", service), ("address", address), ("protocol", transport), ("check", check)]
        if let old = serviceInfos[service] {
            guard !old.labels.elementsEqual(labels, by: ==) else { return }
            registry(MetricFamilies.serviceInfo, of: service).unregisterGauge(old.gauge)
        }
        let gauge = registry(MetricFamilies.serviceInfo, of: service)
            .makeGauge(descriptor: MetricFamilies.serviceInfo, labels: labels)
        gauge.set(to: 1)
        serviceInfos[service] = (labels, gauge)
    }

    /// Removes every series of a service that is gone, its real servers' included.
    public func removeService(_ service: String) {
        if let gauge = panics.removeValue(forKey: service) {
            registry(MetricFamilies.servicePanic, of: service).unregisterGauge(gauge)
        }
        if let info = serviceInfos.removeValue(forKey: service) {
            registry(MetricFamilies.serviceInfo, of: service).unregisterGauge(info.gauge)
        }
        servers = servers.filter { $0.key.service != service }
    }

    // MARK: DR sanity

    /// 1 while the director cannot probe through the DR path (nothing is drained for it).
    public func setDirectorFault(_ fault: Bool) {
        directorFault.set(to: fault ? 1 : 0)
    }

    /// Makes the ARP-conflict series exactly `conflicts`: a series per conflict, removed when it ends.
    public func setARPConflicts(_ conflicts: Set<ARPConflictLabels>) {
        setPresent(conflicts, in: &arpConflicts, family: MetricFamilies.arpConflict) {
            [("vip", $0.vip), ("mac", $0.mac), ("real_server", $0.realServer)]
        }
    }

    /// Makes the shadow-mode series exactly `disagreements`: a series per server and drcheck's verdict on it.
    public func setShadowDisagreements(_ disagreements: Set<ShadowLabels>) {
        setPresent(disagreements, in: &shadowDisagreements, family: MetricFamilies.shadowDisagreement) {
            $0.server.pairs + [("drcheck", $0.drcheck)]
        }
    }

    /// Makes the peers' series exactly `up` (each peer's last poll) and `disagreements`.
    public func setPeers(up: [String: Bool], disagreements: Set<PeerLabels>) {
        let registry = store.registry(MetricFamilies.peerUp)
        for (peer, gauge) in peersUp where up[peer] == nil {
            registry.unregisterGauge(gauge)
            peersUp[peer] = nil
        }
        for (peer, isUp) in up {
            let gauge =
                peersUp[peer] ?? registry.makeGauge(descriptor: MetricFamilies.peerUp, labels: [("peer", peer)])
            peersUp[peer] = gauge
            gauge.set(to: isUp ? 1 : 0)
        }
        setPresent(disagreements, in: &peerDisagreements, family: MetricFamilies.peerDisagreement) {
            $0.server.pairs + [("peer", $0.peer)]
        }
    }

    /// Sets the fleet's series: none unless `configured`; `directors` nil while the store is not read.
    public func setFleet(
        configured: Bool, directors: Int?, down: Set<ServerLabels>, downHereOnly: Set<ServerLabels>
    ) {
        if !configured, let fleet {
            store.registry(MetricFamilies.fleetStoreUp).unregisterGauge(fleet.storeUp)
            store.registry(MetricFamilies.fleetDirectors).unregisterGauge(fleet.directors)
            self.fleet = nil
        }
        if configured {
            let gauges =
                fleet ?? (
                    store.registry(MetricFamilies.fleetStoreUp).makeGauge(descriptor: MetricFamilies.fleetStoreUp),
                    store.registry(MetricFamilies.fleetDirectors).makeGauge(descriptor: MetricFamilies.fleetDirectors)
                )
            fleet = gauges
            gauges.storeUp.set(to: directors == nil ? 0 : 1)
            gauges.directors.set(to: Double(directors ?? 0))
        }
        setPresent(down, in: &fleetDown, family: MetricFamilies.fleetDown, labels: \.pairs)
        setPresent(downHereOnly, in: &fleetDownHereOnly, family: MetricFamilies.fleetDownHereOnly, labels: \.pairs)
    }

    /// Makes the series of `family` exactly one per key of `present`, at 1: those of keys gone are removed.
    private func setPresent<Key: Hashable>(
        _ present: Set<Key>, in gauges: inout [Key: Gauge], family: MetricFamily,
        labels: (Key) -> [(String, String)]
    ) {
        let registry = store.registry(family)
        for (key, gauge) in gauges where !present.contains(key) {
            registry.unregisterGauge(gauge)
            gauges[key] = nil
        }
        for key in present where gauges[key] == nil {
            let gauge = registry.makeGauge(descriptor: family, labels: labels(key))
            gauge.set(to: 1)
            gauges[key] = gauge
        }
    }

    // MARK: overload

    /// Whether drcheck keeps its schedule, and the mean interval its probes really got (nil: none measured yet).
    /// The on-link real servers by family, and the neighbour table's thresholds where they can be read (`soft`:
    /// gc_thresh2, `hard`: gc_thresh3); a family without servers or thresholds has no series.
    public func setNeighbours(_ needed: [AddressFamily: Int], limits: [AddressFamily: (soft: Int, hard: Int)]) {
        for family in AddressFamily.allCases {
            let name = family.description
            if let count = needed[family] {
                let gauge =
                    neighbours[name]
                    ?? store.registry(MetricFamilies.directorNeighbours)
                    .makeGauge(descriptor: MetricFamilies.directorNeighbours, labels: [("family", name)])
                neighbours[name] = gauge
                gauge.set(to: Double(count))
            }
            guard let limit = limits[family] else { continue }
            for (threshold, value) in [("gc_thresh2", limit.soft), ("gc_thresh3", limit.hard)] {
                let key = "\(name) \(threshold)"
                let gauge =
                    neighbourLimits[key]
                    ?? store.registry(MetricFamilies.directorNeighbourLimit)
                    .makeGauge(
                        descriptor: MetricFamilies.directorNeighbourLimit,
                        labels: [("family", name), ("threshold", threshold)])
                neighbourLimits[key] = gauge
                gauge.set(to: Double(value))
            }
        }
    }

    /// The director's faults by reason: every known reason has a series, 1 for those in `active`.
    public func setDirectorFaults(_ active: Set<String>) {
        for reason in ["neighbour_table_full", "conntrack_full"] {
            let gauge =
                limitFaults[reason]
                ?? store.registry(MetricFamilies.directorLimitFault)
                .makeGauge(descriptor: MetricFamilies.directorLimitFault, labels: [("reason", reason)])
            limitFaults[reason] = gauge
            gauge.set(to: active.contains(reason) ? 1 : 0)
        }
    }

    /// The director's headroom by limit (conntrack, local_ports): what it uses and the limit; a limit
    /// not in `values` (not readable, or not used) loses its series.
    public func setDirectorHeadroom(_ values: [String: (used: Int, limit: Int)]) {
        for (name, gauges) in headroom where values[name] == nil {
            store.registry(MetricFamilies.directorLimitUsed).unregisterGauge(gauges.used)
            store.registry(MetricFamilies.directorLimit).unregisterGauge(gauges.limit)
            headroom[name] = nil
        }
        for (name, value) in values {
            let gauges =
                headroom[name]
                ?? (
                    store.registry(MetricFamilies.directorLimitUsed)
                        .makeGauge(descriptor: MetricFamilies.directorLimitUsed, labels: [("limit", name)]),
                    store.registry(MetricFamilies.directorLimit)
                        .makeGauge(descriptor: MetricFamilies.directorLimit, labels: [("limit", name)])
                )
            headroom[name] = gauges
            gauges.used.set(to: Double(value.used))
            gauges.limit.set(to: Double(value.limit))
        }
    }

    public func setOverload(_ overloaded: Bool, achievedInterval: Duration?) {
        self.overloaded.set(to: overloaded ? 1 : 0)
        if let achievedInterval { self.achievedInterval.set(to: achievedInterval.seconds) }
    }

    /// Counts a failed probe that was counted against no server.
    public func recordDiscounted(_ reason: DiscountReason) {
        counter(reason, label: "reason", in: &discounted, family: MetricFamilies.discounted).increment()
    }

    /// Counts a change hook's end (or its event dropped).
    public func recordHook(_ result: HookResult) {
        counter(result, label: "result", in: &hookRuns, family: MetricFamilies.hookRuns).increment()
    }

    /// Counts a connection to the metrics listener accepted on its spare descriptor, drcheck having no other.
    public func recordDescriptorsExhausted() {
        descriptorsExhausted.increment()
    }

    /// Counts a passing probe whose weight_header value was not understood.
    public func recordInvalidFeedback() {
        feedbackInvalid.increment()
    }

    // MARK: IPVS and configuration

    /// Counts a change made to the kernel's IPVS table.
    public func recordIPVSUpdate(_ operation: IPVSOperation) {
        counter(operation, label: "operation", in: &ipvsUpdates, family: MetricFamilies.ipvsUpdates).increment()
    }

    /// Counts a failed IPVS netlink request (a read or a change).
    public func recordIPVSError(_ operation: IPVSOperation) {
        counter(operation, label: "operation", in: &ipvsErrors, family: MetricFamilies.ipvsErrors).increment()
    }

    /// Records a configuration load (at start or on SIGHUP); `time` is Unix seconds.
    public func recordConfigLoad(succeeded: Bool, at time: Double) {
        reloadSuccessful.set(to: succeeded ? 1 : 0)
        if succeeded { reloadTimestamp.set(to: time) }
    }

    private func record(_ server: ServerLabels) -> ServerRecord {
        if let record = servers[server] { return record }
        let record = ServerRecord(server)
        servers[server] = record
        return record
    }

    /// The shard of a per-service family that holds `service`'s series.
    private func registry(_ family: MetricFamily, of service: String) -> SeriesSet {
        store.registry(family, shard: ShardedRegistry.shard(for: service))
    }

    /// The counter of `family` whose one label `label` is `key`, made the first time it is asked for.
    private func counter<Key: RawRepresentable & Hashable>(
        _ key: Key, label: String, in counters: inout [Key: Counter], family: MetricFamily
    ) -> Counter where Key.RawValue == String {
        if let counter = counters[key] { return counter }
        let counter = store.registry(family).makeCounter(descriptor: family, labels: [(label, key.rawValue)])
        counters[key] = counter
        return counter
    }
}
