import Agent
import IPVS
import Primitives

/// The one compare-then-write of a weight, for the daemon's turns and `--once`'s pass. The destination is read
/// again before the write (SET_DEST resets every field it omits, so it is sent back exactly as the kernel has it
/// now), and the weight is written only when the kernel still has the weight the decision started from: one set by
/// someone else since stands, and the next decision sees it.
struct WeightWriter {
    enum Outcome: Equatable {
        case written
        /// The destination is gone from the kernel.
        case gone
        /// Someone else set this weight since it was read for the decision.
        case setByOther(Int32)
    }

    let ipvs: IPVSControl
    /// Each service's destinations as read for this batch of changes: one read per service, not per change.
    private(set) var read: [ServiceKey: [Destination]] = [:]

    init(ipvs: IPVSControl) { self.ipvs = ipvs }

    mutating func write(_ change: WeightChange) throws(IPVSError) -> Outcome {
        let key = change.id.service
        if read[key] == nil { read[key] = try ipvs.destinations(of: key) }
        guard let destination = read[key]?.first(where: { $0.endpoint == change.id.server }) else { return .gone }
        guard Int(destination.weight) == change.from else { return .setByOther(destination.weight) }
        try ipvs.setWeight(Int32(change.to), of: destination, in: key)
        return .written
    }
}
