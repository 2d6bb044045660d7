import Prometheus

/// Every series of one real server, kept so that all of them can be unregistered when the server goes away.
final class ServerSeries {
    private struct Transition: Hashable {
        var from: String
        var to: String
    }

    private let store: ShardedRegistry
    private let shard: Int
    private let labels: [(String, String)]
    let up: Gauge
    let weight: Gauge
    let configuredWeight: Gauge
    private var duration: ValueHistogram?
    private var results: [String: Counter] = [:]
    private var transitions: [Transition: Counter] = [:]
    private var kernel: KernelSeries?

    init(_ server: ServerLabels, in store: ShardedRegistry) {
        self.store = store
        shard = ShardedRegistry.shard(for: server)
        labels = server.pairs
        up = store.registry(MetricFamilies.up, shard: shard).makeGauge(descriptor: MetricFamilies.up, labels: labels)
        weight = store.registry(MetricFamilies.weight, shard: shard)
            .makeGauge(descriptor: MetricFamilies.weight, labels: labels)
        configuredWeight = store.registry(MetricFamilies.configuredWeight, shard: shard)
            .makeGauge(descriptor: MetricFamilies.configuredWeight, labels: labels)
    }

    func observeProbe(resultClass: String, seconds: Double) {
        let histogram =
            duration
            ?? registry(MetricFamilies.probeDuration).makeValueHistogram(
                descriptor: MetricFamilies.probeDuration, labels: labels, buckets: MetricFamilies.durationBuckets)
        duration = histogram
        histogram.record(seconds)
        result(resultClass).increment()
    }

    func recordTransition(from: String, to: String) {
        let key = Transition(from: from, to: to)
        let counter =
            transitions[key]
            ?? registry(MetricFamilies.transitions).makeCounter(
                descriptor: MetricFamilies.transitions, labels: labels + [("from", from), ("to", to)])
        transitions[key] = counter
        counter.increment()
    }

    func setKernelCounters(_ counters: DestinationCounters) {
        let series = kernel ?? KernelSeries(labels, in: registry)
        kernel = series
        series.set(counters)
    }

    func unregister() {
        registry(MetricFamilies.up).unregisterGauge(up)
        registry(MetricFamilies.weight).unregisterGauge(weight)
        registry(MetricFamilies.configuredWeight).unregisterGauge(configuredWeight)
        if let duration { registry(MetricFamilies.probeDuration).unregisterValueHistogram(duration) }
        for counter in results.values { registry(MetricFamilies.probeResults).unregisterCounter(counter) }
        for counter in transitions.values { registry(MetricFamilies.transitions).unregisterCounter(counter) }
        kernel?.unregister(from: registry)
    }

    private func registry(_ family: MetricNameDescriptor) -> PrometheusCollectorRegistry {
        store.registry(family, shard: shard)
    }

    private func result(_ resultClass: String) -> Counter {
        if let counter = results[resultClass] { return counter }
        let counter = registry(MetricFamilies.probeResults).makeCounter(
            descriptor: MetricFamilies.probeResults, labels: labels + [("class", resultClass)])
        results[resultClass] = counter
        return counter
    }
}
