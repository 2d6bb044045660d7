import Prometheus

/// The series of one destination's kernel IPVS figures.
struct KernelSeries {
    private let active: Gauge
    private let inactive: Gauge
    private let counters: [(family: MetricNameDescriptor, counter: Counter)]

    /// `registry` gives the registry of a family for this destination's shard.
    init(_ labels: [(String, String)], in registry: (MetricNameDescriptor) -> PrometheusCollectorRegistry) {
        active = registry(MetricFamilies.activeConnections)
            .makeGauge(descriptor: MetricFamilies.activeConnections, labels: labels)
        inactive = registry(MetricFamilies.inactiveConnections)
            .makeGauge(descriptor: MetricFamilies.inactiveConnections, labels: labels)
        counters = [
            MetricFamilies.connections, MetricFamilies.packetsIn, MetricFamilies.packetsOut, MetricFamilies.bytesIn,
            MetricFamilies.bytesOut,
        ].map { family in (family, registry(family).makeCounter(descriptor: family, labels: labels)) }
    }

    func set(_ figures: DestinationCounters) {
        active.set(to: Double(figures.activeConnections))
        inactive.set(to: Double(figures.inactiveConnections))
        let values = [figures.connections, figures.packetsIn, figures.packetsOut, figures.bytesIn, figures.bytesOut]
        for (entry, value) in zip(counters, values) { entry.counter.setAbsolute(value) }
    }

    func unregister(from registry: (MetricNameDescriptor) -> PrometheusCollectorRegistry) {
        registry(MetricFamilies.activeConnections).unregisterGauge(active)
        registry(MetricFamilies.inactiveConnections).unregisterGauge(inactive)
        for entry in counters { registry(entry.family).unregisterCounter(entry.counter) }
    }
}

extension Counter {
    /// The kernel keeps the running total; drcheck mirrors it. Writers and the renderer share the loop's thread,
    /// so no scrape sees the zero in between.
    fileprivate func setAbsolute(_ value: UInt64) {
        reset()
        increment(by: Int64(clamping: value))
    }
}
