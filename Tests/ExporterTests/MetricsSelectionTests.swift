import Exporter
import Testing

/// `metrics: {probe_durations, ipvs_counters}`: each family set left out of the exposition, the rest unchanged.
@Suite struct MetricsSelectionTests {
    static let durations: Set = ["drcheck_probe_duration_seconds"]
    static let ipvsCounters: Set = [
        "drcheck_ipvs_connections_active", "drcheck_ipvs_connections_inactive", "drcheck_ipvs_connections_total",
        "drcheck_ipvs_incoming_packets_total", "drcheck_ipvs_outgoing_packets_total",
        "drcheck_ipvs_incoming_bytes_total", "drcheck_ipvs_outgoing_bytes_total",
    ]

    /// Two servers with a value in every per-server family.
    static func populated(probeDurations: Bool, ipvsCounters: Bool) -> DrcheckMetrics {
        let metrics = DrcheckMetrics(version: "1")
        for server in ["203.0.113.21:8000", "203.0.113.22:8000"] {
            MetricsFixtures.populate(metrics, ServerLabels(service: "web", realServer: server))
        }
        metrics.probeDurations = probeDurations
        metrics.ipvsCounters = ipvsCounters
        return metrics
    }

    static func name(of series: String) -> String {
        let name = String(series.prefix { $0 != "{" })
        for suffix in ["_bucket", "_sum", "_count"]
        where name.hasSuffix(suffix)
            && durations.contains(
                String(name.dropLast(suffix.count)))
        {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    @Test(arguments: [(true, true), (false, true), (true, false), (false, false)])
    func theFamiliesTurnedOffAreAbsentAndTheRestAsBefore(probeDurations: Bool, ipvsCounters: Bool) {
        let full = Exposition(Self.populated(probeDurations: true, ipvsCounters: true).render())
        let shown = Exposition(Self.populated(probeDurations: probeDurations, ipvsCounters: ipvsCounters).render())
        let absent = (probeDurations ? [] : Self.durations).union(ipvsCounters ? [] : Self.ipvsCounters)
        #expect(Set(full.types.keys).isSuperset(of: Self.durations.union(Self.ipvsCounters)))
        #expect(Set(shown.types.keys) == Set(full.types.keys).subtracting(absent))
        #expect(shown.samples == full.samples.filter { !absent.contains(Self.name(of: $0.key)) })
        #expect(shown.samples.count == full.samples.count - 2 * (probeDurations ? 0 : 16) - 2 * (ipvsCounters ? 0 : 7))
    }

    /// The values are kept while a family is out: turned back on (a reload), it shows them at once.
    @Test func aFamilyTurnedBackOnShowsItsValues() {
        let metrics = Self.populated(probeDurations: false, ipvsCounters: false)
        let server = ServerLabels(service: "web", realServer: "203.0.113.21:8000")
        metrics.observeProbe(server, resultClass: "ok", duration: .milliseconds(30))
        #expect(Exposition(metrics.render()).types["drcheck_probe_duration_seconds"] == nil)
        metrics.probeDurations = true
        metrics.ipvsCounters = true
        let exposition = Exposition(metrics.render())
        let labels = #"service="web",real_server="203.0.113.21:8000""#
        #expect(exposition.samples["drcheck_probe_duration_seconds_count{\(labels)}"] == "2")
        #expect(exposition.samples["drcheck_ipvs_connections_total{\(labels)}"] == "3")
    }
}
