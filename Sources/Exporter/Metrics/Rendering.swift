import EventLoop

/// One rendering of the exposition, in units small enough to run between due probes: a shard of a family kept series
/// by series, or a run of servers of a per-server family. Families come in `MetricFamilies.all`'s
/// order, each rendered contiguously with one HELP and TYPE.
final class Rendering {
    private enum Unit {
        case registry(Int)
        case servers(ServerFamily, Range<Int>)
    }

    /// Servers a unit renders of one family: at most about 0.3 ms of work, for the duration histogram's 16 lines a
    /// server.
    private static let serversPerUnit = 64

    private let store: ShardedRegistry
    /// The servers when the rendering began; one removed meanwhile is rendered with its last values.
    private let servers: [ServerRecord]
    private let units: [Unit]
    private(set) var buffer: [UInt8] = []
    private var familyStarted = false
    /// When the rendering began: what decaying values are rendered at.
    private let now: Monotonic

    /// - Parameter leftOut: per-server families the exposition goes without.
    init(store: ShardedRegistry, servers: [ServerRecord], leftOut: Set<ServerFamily>, capacity: Int, now: Monotonic) {
        self.store = store
        self.now = now
        self.servers = servers
        buffer.reserveCapacity(capacity)
        var units: [Unit] = []
        var registryUnits = 0..<0
        for descriptor in MetricFamilies.all {
            if let family = ServerFamily(descriptor) {
                guard !leftOut.contains(family) else { continue }
                for start in stride(from: 0, to: servers.count, by: Self.serversPerUnit) {
                    units.append(.servers(family, start..<min(start + Self.serversPerUnit, servers.count)))
                }
            } else {
                registryUnits = registryUnits.upperBound..<(registryUnits.upperBound + ShardedRegistry.shardCount)
                units += registryUnits.map(Unit.registry)
            }
        }
        self.units = units
    }

    var unitCount: Int { units.count }

    func emit(unit: Int) {
        switch units[unit] {
        case .registry(let unit):
            store.emit(unit: unit, into: &buffer, familyStarted: &familyStarted)
        case .servers(let family, let range):
            if range.lowerBound == 0 { familyStarted = false }
            family.emit(servers[range], at: now, into: &buffer, familyStarted: &familyStarted)
        }
    }
}
