/// The series of the families drcheck keeps one by one (all but the per-server ones), spread over one `SeriesSet`
/// per family and shard: each (family, shard) is a unit the exposition can be rendered in, yielding to the loop in
/// between; a family is still rendered contiguously, with one HELP and TYPE.
final class ShardedRegistry {
    static let shardCount = 16

    /// The families in exposition order, each with its shards.
    private let families: [(family: MetricFamily, shards: [SeriesSet])]
    private let index: [String: Int]

    init(_ families: [MetricFamily]) {
        self.families = families.map { family in (family, (0..<Self.shardCount).map { _ in SeriesSet() }) }
        index = Dictionary(uniqueKeysWithValues: families.enumerated().map { ($0.element.name, $0.offset) })
    }

    /// The shard of a service's series (stable for the life of the process).
    static func shard<Key: Hashable>(for key: Key) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(shardCount))
    }

    func registry(_ family: MetricFamily, shard: Int = 0) -> SeriesSet {
        families[index[family.name]!].shards[shard]
    }

    /// Appends shard `unit % shardCount` of family `unit / shardCount` (in the order given to `init`), after the
    /// family's HELP and TYPE when it is the family's first shard with series.
    func emit(unit: Int, into buffer: inout [UInt8], familyStarted: inout Bool) {
        let (family, shard) = unit.quotientAndRemainder(dividingBy: Self.shardCount)
        if shard == 0 { familyStarted = false }
        let series = families[family].shards[shard]
        guard let type = series.type else { return }
        if !familyStarted {
            buffer.appendFamilyHeader(
                name: families[family].family.name, help: families[family].family.help, type: type)
            familyStarted = true
        }
        series.emit(into: &buffer)
    }
}
