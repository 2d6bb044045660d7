import EventLoop
import Glibc

/// What the metrics keep of one real server: plain values, which `ServerFamily` renders in the text format.
///
/// Why not a `Series` each: a series is an object with its label text and its family's dictionary entry, and a server
/// has 13 or more of them (as swift-prometheus series, over 300 bytes each). These values take a tenth of that.
final class ServerRecord {
    /// The labels' values escaped, as they are rendered in every series of the server.
    let escapedLabels: ServerLabels
    var up = false
    var weight = 0
    var configuredWeight = 0
    var adminDrained = false
    /// Its flap penalty under flap_damping, decayed to the time of each scrape; nil without.
    var flap: DecayingValue?
    /// Probes finished, by result class, in the order the classes first came.
    private(set) var results: [(resultClass: String, count: Int)] = []
    /// Changes of health state, by old and new state.
    private(set) var transitions: [(from: String, to: String, count: Int)] = []
    /// The probe durations, from the first probe on.
    private(set) var durations: DurationCounts?
    /// The kernel's figures for the server's destination, from the first read on.
    var kernel: DestinationCounters?

    init(_ labels: ServerLabels) {
        escapedLabels = ServerLabels(
            service: labels.service.escapedLabelValue, realServer: labels.realServer.escapedLabelValue)
    }

    func observeProbe(resultClass: String, seconds: Double) {
        if let index = results.firstIndex(where: { $0.resultClass == resultClass }) {
            results[index].count += 1
        } else {
            results.append((resultClass, 1))
        }
        durations = durations ?? DurationCounts()
        durations?.record(seconds)
    }

    func recordTransition(from: String, to: String) {
        if let index = transitions.firstIndex(where: { $0.from == from && $0.to == to }) {
            transitions[index].count += 1
        } else {
            transitions.append((from, to, 1))
        }
    }
}

/// A histogram of probe durations over `MetricFamilies.durationBuckets`.
struct DurationCounts {
    /// Per bucket, the probes that took at most its bound (cumulative, as the text format has them).
    private(set) var cumulative = [Int](repeating: 0, count: MetricFamilies.durationBuckets.count)
    private(set) var sum = 0.0
    private(set) var count = 0

    mutating func record(_ seconds: Double) {
        for (index, bound) in MetricFamilies.durationBuckets.enumerated() where seconds <= bound {
            cumulative[index] += 1
        }
        sum += seconds
        count += 1
    }
}

/// A value that halves every `halfLife` from `at` on (a flap penalty).
public struct DecayingValue: Equatable, Sendable {
    public var value: Double
    public var at: Monotonic
    public var halfLife: Duration

    public init(value: Double, at: Monotonic, halfLife: Duration) {
        self.value = value
        self.at = at
        self.halfLife = halfLife
    }

    func value(at now: Monotonic) -> Double { value * exp2(-((now - at) / halfLife)) }
}
