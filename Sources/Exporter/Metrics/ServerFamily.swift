import EventLoop

/// The families with series per real server, which drcheck renders itself from `ServerRecord`s (see there why).
enum ServerFamily: CaseIterable {
    case up
    case weight
    case configuredWeight
    case adminDrained
    case flapPenalty
    case probeResults
    case probeDuration
    case transitions
    case activeConnections
    case inactiveConnections
    case connections
    case packetsIn
    case packetsOut
    case bytesIn
    case bytesOut

    /// The kernel's figures for a destination, mirrored from its IPVS table.
    static let ipvsCounters: Set<ServerFamily> = [
        .activeConnections, .inactiveConnections, .connections, .packetsIn, .packetsOut, .bytesIn, .bytesOut,
    ]

    /// The per-server family of `descriptor`, nil for a family kept series by series.
    init?(_ descriptor: MetricFamily) {
        guard let family = Self.allCases.first(where: { $0.descriptor.name == descriptor.name }) else { return nil }
        self = family
    }

    var descriptor: MetricFamily {
        switch self {
        case .up: MetricFamilies.up
        case .weight: MetricFamilies.weight
        case .configuredWeight: MetricFamilies.configuredWeight
        case .adminDrained: MetricFamilies.adminDrained
        case .flapPenalty: MetricFamilies.flapPenalty
        case .probeResults: MetricFamilies.probeResults
        case .probeDuration: MetricFamilies.probeDuration
        case .transitions: MetricFamilies.transitions
        case .activeConnections: MetricFamilies.activeConnections
        case .inactiveConnections: MetricFamilies.inactiveConnections
        case .connections: MetricFamilies.connections
        case .packetsIn: MetricFamilies.packetsIn
        case .packetsOut: MetricFamilies.packetsOut
        case .bytesIn: MetricFamilies.bytesIn
        case .bytesOut: MetricFamilies.bytesOut
        }
    }

    private var type: String {
        switch self {
        case .up, .weight, .configuredWeight, .adminDrained, .flapPenalty, .activeConnections, .inactiveConnections:
            "gauge"
        case .probeDuration: "histogram"
        case .probeResults, .transitions, .connections, .packetsIn, .packetsOut, .bytesIn, .bytesOut: "counter"
        }
    }

    /// Appends the family's series of `records`; the first series of the family brings its HELP and TYPE.
    func emit(
        _ records: ArraySlice<ServerRecord>, at now: Monotonic, into buffer: inout [UInt8], familyStarted: inout Bool
    ) {
        let descriptor = descriptor
        let name = descriptor.name
        for record in records where hasSeries(record) {
            if !familyStarted {
                buffer.appendFamilyHeader(name: name, help: descriptor.help, type: type)
                familyStarted = true
            }
            emit(record, name: name, at: now, into: &buffer)
        }
    }

    private func hasSeries(_ record: ServerRecord) -> Bool {
        switch self {
        case .up, .weight, .configuredWeight, .adminDrained: true
        case .flapPenalty: record.flap != nil
        case .probeResults: !record.results.isEmpty
        case .probeDuration: record.durations != nil
        case .transitions: !record.transitions.isEmpty
        case .activeConnections, .inactiveConnections, .connections, .packetsIn, .packetsOut, .bytesIn, .bytesOut:
            record.kernel != nil
        }
    }

    /// Gauges render as Double and counters as Int64, as swift-prometheus renders its Gauge and Counter.
    private func emit(_ record: ServerRecord, name: String, at now: Monotonic, into buffer: inout [UInt8]) {
        let labels = record.escapedLabels
        func gauge(_ value: Double) {
            buffer.appendSeries(name, labels)
            buffer.appendValue(value)
        }
        func counter(_ value: UInt64) {
            buffer.appendSeries(name, labels)
            buffer.appendValue(Int64(clamping: value))
        }
        switch self {
        case .up: gauge(record.up ? 1 : 0)
        case .weight: gauge(Double(record.weight))
        case .configuredWeight: gauge(Double(record.configuredWeight))
        case .adminDrained: gauge(record.adminDrained ? 1 : 0)
        case .flapPenalty: if let flap = record.flap { gauge(flap.value(at: now)) }
        case .probeResults:
            for result in record.results {
                buffer.appendSeries(name, labels)
                buffer.appendLabel("class", result.resultClass)
                buffer.appendValue(result.count)
            }
        case .probeDuration:
            guard let durations = record.durations else { return }
            for (bound, count) in zip(MetricFamilies.durationBucketLabels, durations.cumulative) {
                buffer.appendSeries(name, labels, suffix: "_bucket")
                buffer.appendLabel("le", bound)
                buffer.appendValue(count)
            }
            buffer.appendSeries(name, labels, suffix: "_bucket")
            buffer.appendLabel("le", "+Inf")
            buffer.appendValue(durations.count)
            buffer.appendSeries(name, labels, suffix: "_sum")
            buffer.appendValue(durations.sum)
            buffer.appendSeries(name, labels, suffix: "_count")
            buffer.appendValue(durations.count)
        case .transitions:
            for transition in record.transitions {
                buffer.appendSeries(name, labels)
                buffer.appendLabel("from", transition.from)
                buffer.appendLabel("to", transition.to)
                buffer.appendValue(transition.count)
            }
        case .activeConnections: if let kernel = record.kernel { gauge(Double(kernel.activeConnections)) }
        case .inactiveConnections: if let kernel = record.kernel { gauge(Double(kernel.inactiveConnections)) }
        case .connections: if let kernel = record.kernel { counter(kernel.connections) }
        case .packetsIn: if let kernel = record.kernel { counter(kernel.packetsIn) }
        case .packetsOut: if let kernel = record.kernel { counter(kernel.packetsOut) }
        case .bytesIn: if let kernel = record.kernel { counter(kernel.bytesIn) }
        case .bytesOut: if let kernel = record.kernel { counter(kernel.bytesOut) }
        }
    }
}
