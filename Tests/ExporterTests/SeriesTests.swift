import Prometheus
import Testing

@testable import Exporter

extension MetricFamily {
    /// The family as swift-prometheus describes it, for the reference renderings.
    var reference: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}

/// drcheck's own series render byte for byte as swift-prometheus renders its gauges, counters and value histograms:
/// labels escaped, values as Double (gauges, sums, bounds) or integers (counts).
@Suite struct SeriesTests {
    static let family = MetricFamily(name: "drcheck_test", help: #"A \ help"#)
    static let labelSets: [[(String, String)]] = [
        [], [("service", "web")], [("service", "we\"b\\1\nx"), ("real_server", "[2001:db8::1]:443")],
    ]

    @Test func gaugesCountersAndHistogramsRenderAsSwiftPrometheus() {
        for labels in Self.labelSets {
            for value in [0, 1, -2.5, 1e21, 0.000_1, 86_400.125] {
                let gauge = Gauge(name: Self.family.name, labels: labels)
                gauge.set(to: value)
                let reference = PrometheusCollectorRegistry()
                reference.makeGauge(descriptor: Self.family.reference, labels: labels).set(to: value)
                #expect(Self.series(gauge) == Self.series(reference), "\(labels) \(value)")
            }
            let counter = Counter(name: Self.family.name, labels: labels)
            let referenceCounters = PrometheusCollectorRegistry()
            let referenceCounter = referenceCounters.makeCounter(descriptor: Self.family.reference, labels: labels)
            for _ in 0..<3 {
                counter.increment()
                referenceCounter.increment()
            }
            #expect(Self.series(counter) == Self.series(referenceCounters))
        }
        let buckets = [0.0005, 0.01, 1]
        let histogram = ValueHistogram(name: Self.family.name, labels: [], buckets: buckets)
        let references = PrometheusCollectorRegistry()
        let reference = references.makeValueHistogram(descriptor: Self.family.reference, buckets: buckets)
        for value in [0.0002, 0.01, 0.5, 3] {
            histogram.record(value)
            reference.record(value)
        }
        #expect(Self.series(histogram) == Self.series(references))
        #expect(Self.series(histogram).first == #"drcheck_test_bucket{le="0.0005"} 1"#)
    }

    @Test func aSetKeepsOneSeriesALabelSetInTheOrderMadeAndForgetsOneRemoved() {
        let set = SeriesSet()
        let a = set.makeGauge(descriptor: Self.family, labels: [("peer", "a")])
        let b = set.makeGauge(descriptor: Self.family, labels: [("peer", "b")])
        #expect(set.makeGauge(descriptor: Self.family, labels: [("peer", "a")]) === a)
        a.set(to: 1)
        b.set(to: 2)
        var text: [UInt8] = []
        set.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self) == "drcheck_test{peer=\"a\"} 1.0\ndrcheck_test{peer=\"b\"} 2.0\n")
        set.unregisterGauge(a)
        text = []
        set.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self) == "drcheck_test{peer=\"b\"} 2.0\n")
        #expect(set.type == "gauge")
    }

    /// The sample lines of a series.
    private static func series(_ series: Series) -> [String] {
        var text: [UInt8] = []
        series.emit(into: &text)
        return String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The sample lines of a reference registry (without HELP and TYPE).
    private static func series(_ registry: PrometheusCollectorRegistry) -> [String] {
        String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map(String.init)
    }
}
