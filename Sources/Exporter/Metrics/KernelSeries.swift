import Prometheus

/// The series of one destination's kernel IPVS figures.
struct KernelSeries {
    private let registry: PrometheusCollectorRegistry
    private let active: Gauge
    private let inactive: Gauge
    private let connections: Counter
    private let packetsIn: Counter
    private let packetsOut: Counter
    private let bytesIn: Counter
    private let bytesOut: Counter

    init(_ labels: [(String, String)], in registry: PrometheusCollectorRegistry) {
        self.registry = registry
        active = registry.makeGauge(descriptor: MetricFamilies.activeConnections, labels: labels)
        inactive = registry.makeGauge(descriptor: MetricFamilies.inactiveConnections, labels: labels)
        connections = registry.makeCounter(descriptor: MetricFamilies.connections, labels: labels)
        packetsIn = registry.makeCounter(descriptor: MetricFamilies.packetsIn, labels: labels)
        packetsOut = registry.makeCounter(descriptor: MetricFamilies.packetsOut, labels: labels)
        bytesIn = registry.makeCounter(descriptor: MetricFamilies.bytesIn, labels: labels)
        bytesOut = registry.makeCounter(descriptor: MetricFamilies.bytesOut, labels: labels)
    }

    func set(_ counters: DestinationCounters) {
        active.set(to: Double(counters.activeConnections))
        inactive.set(to: Double(counters.inactiveConnections))
        connections.setAbsolute(counters.connections)
        packetsIn.setAbsolute(counters.packetsIn)
        packetsOut.setAbsolute(counters.packetsOut)
        bytesIn.setAbsolute(counters.bytesIn)
        bytesOut.setAbsolute(counters.bytesOut)
    }

    func unregister() {
        registry.unregisterGauge(active)
        registry.unregisterGauge(inactive)
        for counter in [connections, packetsIn, packetsOut, bytesIn, bytesOut] { registry.unregisterCounter(counter) }
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
