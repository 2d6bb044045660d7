/// The series of the families drcheck keeps one by one (all but the per-server ones), each rendered byte for byte as
/// swift-prometheus renders its own (the tests compare the two). They live on the loop's thread: no atomics.
class Series {
    /// The family's name, and its labels rendered (`name="value",...`, escaped); nil without labels.
    let name: String
    let labels: [UInt8]?
    /// The series among its family's: its labels rendered.
    var key: String { labels.map { String(decoding: $0, as: UTF8.self) } ?? "" }

    init(name: String, labels: [(String, String)]) {
        self.name = name
        guard !labels.isEmpty else {
            self.labels = nil
            return
        }
        var rendered: [UInt8] = []
        for (index, (key, value)) in labels.enumerated() {
            if index > 0 { rendered.append(UInt8(ascii: ",")) }
            rendered.append(contentsOf: key.utf8)
            rendered.append(contentsOf: #"=""#.utf8)
            rendered.append(contentsOf: value.escapedLabelValue.utf8)
            rendered.append(UInt8(ascii: "\""))
        }
        self.labels = rendered
    }

    /// `name` and `suffix`, the labels in braces (with `extra` after them), and a space.
    func appendStart(_ suffix: String = "", extra: String? = nil, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: suffix.utf8)
        if labels != nil || extra != nil {
            buffer.append(UInt8(ascii: "{"))
            if let labels { buffer.append(contentsOf: labels) }
            if let extra {
                if labels != nil { buffer.append(UInt8(ascii: ",")) }
                buffer.append(contentsOf: extra.utf8)
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
    }

    func emit(into buffer: inout [UInt8]) {}

    var type: String { "" }
}

final class Gauge: Series {
    private(set) var value = 0.0

    func set(to value: Double) { self.value = value }

    override func emit(into buffer: inout [UInt8]) {
        appendStart(into: &buffer)
        buffer.append(contentsOf: "\(value)\n".utf8)
    }

    override var type: String { "gauge" }
}

final class Counter: Series {
    private(set) var count: UInt64 = 0

    func increment() { count += 1 }

    override func emit(into buffer: inout [UInt8]) {
        appendStart(into: &buffer)
        buffer.append(contentsOf: "\(count)\n".utf8)
    }

    override var type: String { "counter" }
}

/// Values counted into cumulative buckets, with their sum and count.
final class ValueHistogram: Series {
    private let bounds: [Double]
    private var counts: [Int]
    private var sum = 0.0
    private var count = 0

    init(name: String, labels: [(String, String)], buckets: [Double]) {
        bounds = buckets
        counts = Array(repeating: 0, count: buckets.count)
        super.init(name: name, labels: labels)
    }

    func record(_ value: Double) {
        for index in bounds.indices where value <= bounds[index] { counts[index] += 1 }
        sum += value
        count += 1
    }

    override func emit(into buffer: inout [UInt8]) {
        for (bound, count) in zip(bounds, counts) {
            appendStart("_bucket", extra: #"le="\#(bound)""#, into: &buffer)
            buffer.append(contentsOf: "\(count)\n".utf8)
        }
        appendStart("_bucket", extra: #"le="+Inf""#, into: &buffer)
        buffer.append(contentsOf: "\(count)\n".utf8)
        appendStart("_sum", into: &buffer)
        buffer.append(contentsOf: "\(sum)\n".utf8)
        appendStart("_count", into: &buffer)
        buffer.append(contentsOf: "\(count)\n".utf8)
    }

    override var type: String { "histogram" }
}

/// The series of one family (or of one shard of it), in the order they were made; one per label set.
final class SeriesSet {
    private var series: [String: (order: Int, series: Series)] = [:]
    private var made = 0

    func makeGauge(descriptor family: MetricFamily, labels: [(String, String)] = []) -> Gauge {
        make(Gauge(name: family.name, labels: labels))
    }

    func makeCounter(descriptor family: MetricFamily, labels: [(String, String)] = []) -> Counter {
        make(Counter(name: family.name, labels: labels))
    }

    func makeValueHistogram(descriptor family: MetricFamily, buckets: [Double]) -> ValueHistogram {
        make(ValueHistogram(name: family.name, labels: [], buckets: buckets))
    }

    /// `new`, or the series of its labels made before.
    private func make<Kind: Series>(_ new: Kind) -> Kind {
        if let kept = series[new.key]?.series as? Kind { return kept }
        made += 1
        series[new.key] = (made, new)
        return new
    }

    func unregisterGauge(_ gone: Gauge) {
        if series[gone.key]?.series === gone { series[gone.key] = nil }
    }

    var isEmpty: Bool { series.isEmpty }
    /// The family's type, from its series.
    var type: String? { series.first?.value.series.type }

    func emit(into buffer: inout [UInt8]) {
        for (_, kept) in series.values.sorted(by: { $0.order < $1.order }) { kept.emit(into: &buffer) }
    }
}
