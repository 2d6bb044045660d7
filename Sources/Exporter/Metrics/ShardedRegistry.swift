import Prometheus

/// The series of the families kept in swift-prometheus (all but the per-server ones), spread over one registry per
/// family and shard.
///
/// Why: swift-prometheus copies a family's whole label-set dictionary to add or remove one series, so one registry
/// of a family with a series per service costs time quadratic in the services to set up, and renders in one piece.
/// Shards keep each family small, and each (family, shard) is a unit the exposition can be rendered in, yielding to
/// the loop in between. Every family is still rendered contiguously, with one HELP and TYPE.
final class ShardedRegistry {
    static let shardCount = 16

    /// Family names in exposition order, each with its shards.
    private let families: [(name: String, shards: [PrometheusCollectorRegistry])]
    private let index: [String: Int]

    init(_ descriptors: [MetricNameDescriptor]) {
        families = descriptors.map { descriptor in
            (descriptor.name, (0..<Self.shardCount).map { _ in PrometheusCollectorRegistry() })
        }
        index = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// The shard of a service's series (stable for the life of the process).
    static func shard<Key: Hashable>(for key: Key) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(shardCount))
    }

    func registry(_ family: MetricNameDescriptor, shard: Int = 0) -> PrometheusCollectorRegistry {
        families[index[family.name]!].shards[shard]
    }

    /// Appends shard `unit % shardCount` of family `unit / shardCount` (in the order given to `init`); shards after a
    /// family's first non-empty one drop their HELP and TYPE lines.
    func emit(unit: Int, into buffer: inout [UInt8], familyStarted: inout Bool) {
        let (family, shard) = unit.quotientAndRemainder(dividingBy: Self.shardCount)
        if shard == 0 { familyStarted = false }
        var part: [UInt8] = []
        families[family].shards[shard].emit(into: &part)
        guard !part.isEmpty else { return }
        if familyStarted {
            // A shard holds one family, which swift-prometheus starts with exactly a HELP and a TYPE line.
            guard let help = part.firstIndex(of: newline),
                let type = part[(help + 1)...].firstIndex(of: newline)
            else { return }
            buffer.append(contentsOf: part[(type + 1)...])
        } else {
            buffer.append(contentsOf: part)
            familyStarted = true
        }
    }

    private let newline = UInt8(ascii: "\n")
}
