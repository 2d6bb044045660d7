import Agent
import Probe

extension ProbeVerdict {
    /// The decision core's view of a probe: passed (with the weight the server reported, by a dynamic check's exit
    /// status or in its `weight_header`, if any), or failed with its class.
    init(_ result: ProbeResult) {
        guard result.isOK else {
            self = .failure(result.probeClass.rawValue)
            return
        }
        if let weight = result.weight {
            self = .reported(weight: weight)
        } else {
            self = result.feedback.map { WeightFeedback(header: $0).verdict } ?? .success
        }
    }
}
