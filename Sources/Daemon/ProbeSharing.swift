import Agent
import Primitives
import Probe

/// Which targets share one probe: those of one real server whose network checks are identical (the same address,
/// port, request, mode and interval) whatever service they belong to, as the services of a keepalived
/// `virtual_server_group` or a table of one pool under many VIPs checked at the RIPs. The first by `ServerID` is
/// probed; its result is each sharer's own, so every service decides its weights with its own rise, fall and
/// keep_last (OPERATIONS.md "One probe for identical checks"). DR-path checks differ by their VIP and are never
/// shared; exec checks name their service and are not either.
struct ProbeSharing: Equatable {
    /// Probed target → the targets that take its result.
    private(set) var sharers: [ServerID: [ServerID]] = [:]
    /// A target that is not probed → the one probed for it.
    private(set) var leader: [ServerID: ServerID] = [:]

    init() {}

    init(_ targets: [ServerID: ProbeTarget]) {
        struct Bucket: Hashable {
            var server: Endpoint
            var intervals: CheckIntervals
            var jitter: UInt8
        }
        var buckets: [Bucket: [(ServerID, DRPathCheck)]] = [:]
        for id in targets.keys.sorted() {
            guard let target = targets[id], case .network(let check) = target.check else { continue }
            let shared = DRPathCheck(check, atRIP: target.ripCheck)
            let bucket = Bucket(server: id.server, intervals: target.intervals, jitter: target.jitter)
            if let first = buckets[bucket]?.first(where: { $0.1 == shared }) {
                leader[id] = first.0
                sharers[first.0, default: []].append(id)
            } else {
                buckets[bucket, default: []].append((id, shared))
            }
        }
    }
}
