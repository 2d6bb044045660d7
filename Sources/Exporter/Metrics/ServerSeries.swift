import Prometheus

/// Every series of one real server, kept so that all of them can be unregistered when the server goes away.
final class ServerSeries {
    private struct Transition: Hashable {
        var from: String
        var to: String
    }

    private let registry: PrometheusCollectorRegistry
    private let labels: [(String, String)]
    let up: Gauge
    let weight: Gauge
    let configuredWeight: Gauge
    private var duration: ValueHistogram?
    private var results: [String: Counter] = [:]
    private var transitions: [Transition: Counter] = [:]
    private var kernel: KernelSeries?

    init(_ labels: ServerLabels, in registry: PrometheusCollectorRegistry) {
        self.registry = registry
        self.labels = labels.pairs
        up = registry.makeGauge(descriptor: MetricFamilies.up, labels: self.labels)
        weight = registry.makeGauge(descriptor: MetricFamilies.weight, labels: self.labels)
        configuredWeight = registry.makeGauge(descriptor: MetricFamilies.configuredWeight, labels: self.labels)
    }

    func observeProbe(resultClass: String, seconds: Double) {
        let histogram =
            duration
            ?? registry.makeValueHistogram(
                descriptor: MetricFamilies.probeDuration, labels: labels, buckets: MetricFamilies.durationBuckets)
        duration = histogram
        histogram.record(seconds)
        result(resultClass).increment()
    }

    func recordTransition(from: String, to: String) {
        let key = Transition(from: from, to: to)
        let counter =
            transitions[key]
            ?? registry.makeCounter(
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
        for gauge in [up, weight, configuredWeight] { registry.unregisterGauge(gauge) }
        if let duration { registry.unregisterValueHistogram(duration) }
        for counter in results.values { registry.unregisterCounter(counter) }
        for counter in transitions.values { registry.unregisterCounter(counter) }
        kernel?.unregister()
    }

    private func result(_ resultClass: String) -> Counter {
        if let counter = results[resultClass] { return counter }
        let counter = registry.makeCounter(
            descriptor: MetricFamilies.probeResults, labels: labels + [("class", resultClass)])
        results[resultClass] = counter
        return counter
    }
}
