import Agent
import Probe

extension ProbeVerdict {
    /// The decision core's view of a probe: passed (with the weight the server reported, if any), or failed with
    /// its class.
    init(_ result: ProbeResult) {
        guard result.isOK else {
            self = .failure(result.probeClass.rawValue)
            return
        }
        self = result.weight.map { .reported(weight: $0) } ?? .success
    }
}
