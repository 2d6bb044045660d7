import EventLoop
import Prometheus
import Testing

@testable import Exporter

/// drcheck renders the per-server families itself; the same state set on swift-prometheus series, one a series as the
/// library keeps them, is the reference for every line of them.
@Suite struct ServerFamilyTests {
    /// What happens to one server, done to `DrcheckMetrics` and to swift-prometheus series alike.
    struct Server {
        var labels: ServerLabels
        /// `(up, weight, configured weight, admin drained)`, set last.
        var state: (Bool, Int, Int, Bool)?
        var probes: [(String, Duration)] = []
        var transitions: [(String, String)] = []
        var kernel: [DestinationCounters] = []
        /// A flap penalty set with the state, as at `Self.flapAt`: rendered 10 s later (one half-life), half of it.
        var flap: Double?

        /// The labels as rendered, escaped.
        var rendered: String
    }

    static let servers = [
        Server(
            labels: ServerLabels(service: "web", realServer: "203.0.113.21:8000"), state: (true, 7, 7, false),
            probes: [
                ("ok", .milliseconds(3)), ("ok", .milliseconds(20)), ("timeout", .seconds(1)), ("ok", .milliseconds(1)),
                ("ok", .microseconds(2500)), ("http_status", .seconds(10)), ("timeout", .seconds(12)),
                ("ok", .milliseconds(-5)), ("ok", .nanoseconds(1_234_567)),
            ],
            transitions: [("unknown", "up"), ("up", "down"), ("down", "up"), ("up", "down")],
            kernel: [
                DestinationCounters(
                    activeConnections: 3, inactiveConnections: 4_000_000_000, connections: 150, packetsIn: 100,
                    packetsOut: 0, bytesIn: 5_000_000_000, bytesOut: .max)
            ],
            rendered: #"service="web",real_server="203.0.113.21:8000""#),
        Server(
            labels: ServerLabels(service: "we\"b\\1\nx", realServer: "[2001:db8::1]:443"),
            probes: [("connect_refused", .milliseconds(250))],
            rendered: #"service="we\"b\\1\nx",real_server="[2001:db8::1]:443""#),
        Server(
            labels: ServerLabels(service: "fwmark:7/ipv6", realServer: "198.51.100.2:80"), state: (false, 0, 100, true),
            flap: 3.25, rendered: #"service="fwmark:7/ipv6",real_server="198.51.100.2:80""#),
        Server(
            labels: ServerLabels(service: "web", realServer: "203.0.113.22:8000"),
            transitions: [("up", "admin_drained")],
            kernel: [
                DestinationCounters(
                    activeConnections: 9, inactiveConnections: 1, connections: 900, packetsIn: 9, packetsOut: 1,
                    bytesIn: 7, bytesOut: 3),
                DestinationCounters(
                    activeConnections: 0, inactiveConnections: 0, connections: 20, packetsIn: 2, packetsOut: 0,
                    bytesIn: 1, bytesOut: 0),
            ],
            rendered: #"service="web",real_server="203.0.113.22:8000""#),
    ]

    static let flapAt = Monotonic(nanoseconds: 5_000_000_000)

    @Test func perServerFamiliesRenderAsSwiftPrometheusRendersThem() {
        let metrics = DrcheckMetrics(version: "1")
        metrics.clock = { Self.flapAt + .seconds(10) }
        let reference = PrometheusCollectorRegistry()
        for server in Self.servers {
            Self.apply(server, to: metrics)
            Self.apply(server, to: reference)
        }
        let gone = ServerLabels(service: "web", realServer: "203.0.113.99:8000")
        MetricsFixtures.populate(metrics, gone)
        metrics.removeServer(gone)

        let rendered = Self.families(metrics.render())
        let expected = Self.families(reference.emitToBuffer())
        #expect(expected.count == ServerFamily.allCases.count)
        for family in ServerFamily.allCases {
            let name = family.descriptor.name
            let lines = rendered[name] ?? []
            let reference = expected[name] ?? []
            #expect(lines.prefix(2) == reference.prefix(2), "\(name)")
            // Series may come in any order, each histogram's lines together in the order of its buckets.
            #expect(lines.dropFirst(2).sorted() == reference.dropFirst(2).sorted(), "\(name)")
            guard family == .probeDuration else { continue }
            for server in Self.servers {
                let fragment = "{\(server.rendered)"
                #expect(lines.filter { $0.contains(fragment) } == reference.filter { $0.contains(fragment) })
            }
        }
    }

    private static func apply(_ server: Server, to metrics: DrcheckMetrics) {
        for (resultClass, duration) in server.probes {
            metrics.observeProbe(server.labels, resultClass: resultClass, duration: duration)
        }
        for (from, to) in server.transitions { metrics.recordTransition(server.labels, from: from, to: to) }
        for counters in server.kernel { metrics.updateKernelCounters(server.labels, counters) }
        if let (up, weight, configured, drained) = server.state {
            metrics.updateServer(
                server.labels, up: up, weight: weight, configuredWeight: configured, adminDrained: drained,
                flapPenalty: server.flap.map { DecayingValue(value: $0, at: flapAt, halfLife: .seconds(10)) })
        }
    }

    /// The server's series in swift-prometheus: made on first use and set as `DrcheckMetrics` sets its values.
    private static func apply(_ server: Server, to registry: PrometheusCollectorRegistry) {
        let labels = [("service", server.labels.service), ("real_server", server.labels.realServer)]
        let up = registry.makeGauge(descriptor: MetricFamilies.up.reference, labels: labels)
        let weight = registry.makeGauge(descriptor: MetricFamilies.weight.reference, labels: labels)
        let configured = registry.makeGauge(descriptor: MetricFamilies.configuredWeight.reference, labels: labels)
        let drained = registry.makeGauge(descriptor: MetricFamilies.adminDrained.reference, labels: labels)
        for (resultClass, duration) in server.probes {
            registry.makeValueHistogram(
                descriptor: MetricFamilies.probeDuration.reference, labels: labels,
                buckets: MetricFamilies.durationBuckets
            ).record(max(0, duration.seconds))
            registry.makeCounter(
                descriptor: MetricFamilies.probeResults.reference, labels: labels + [("class", resultClass)]
            )
            .increment()
        }
        for (from, to) in server.transitions {
            registry.makeCounter(
                descriptor: MetricFamilies.transitions.reference, labels: labels + [("from", from), ("to", to)]
            ).increment()
        }
        for counters in server.kernel {
            registry.makeGauge(descriptor: MetricFamilies.activeConnections.reference, labels: labels)
                .set(to: Double(counters.activeConnections))
            registry.makeGauge(descriptor: MetricFamilies.inactiveConnections.reference, labels: labels)
                .set(to: Double(counters.inactiveConnections))
            let figures: [(MetricFamily, UInt64)] = [
                (MetricFamilies.connections, counters.connections), (MetricFamilies.packetsIn, counters.packetsIn),
                (MetricFamilies.packetsOut, counters.packetsOut), (MetricFamilies.bytesIn, counters.bytesIn),
                (MetricFamilies.bytesOut, counters.bytesOut),
            ]
            for (family, value) in figures {
                let counter = registry.makeCounter(descriptor: family.reference, labels: labels)
                counter.reset()
                counter.increment(by: Int64(clamping: value))
            }
        }
        if let flap = server.flap {
            registry.makeGauge(descriptor: MetricFamilies.flapPenalty.reference, labels: labels).set(to: flap / 2)
        }
        if let (isUp, weightNow, configuredWeight, adminDrained) = server.state {
            up.set(to: isUp ? 1 : 0)
            weight.set(to: Double(weightNow))
            configured.set(to: Double(configuredWeight))
            drained.set(to: adminDrained ? 1 : 0)
        }
    }

    /// Each family's lines by its name, its HELP and TYPE first.
    private static func families(_ exposition: [UInt8]) -> [String: [String]] {
        var families: [String: [String]] = [:]
        var family = ""
        for line in String(decoding: exposition, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("# HELP ") { family = String(line.split(separator: " ")[2]) }
            families[family, default: []].append(String(line))
        }
        return families
    }
}
