import Exporter

enum MetricsFixtures {
    /// Gives `server` a value in every per-server family.
    static func populate(_ metrics: DrcheckMetrics, _ server: ServerLabels) {
        metrics.updateServer(server, up: true, weight: 1, configuredWeight: 1)
        metrics.observeProbe(server, resultClass: "ok", duration: .milliseconds(2))
        metrics.recordTransition(server, from: "unknown", to: "up")
        metrics.updateKernelCounters(
            server,
            DestinationCounters(
                activeConnections: 1, inactiveConnections: 2, connections: 3, packetsIn: 4, packetsOut: 0,
                bytesIn: 5, bytesOut: 0))
    }
}
