import Agent
import Probe

extension ProbeVerdict {
    /// The decision core's view of a probe: passed (with the weight the server reported, by a dynamic check's exit
    /// status or in its `weight_header`, if any), or failed with its class.
    /// `feedback`: the result's `weight_header` value read already, when the caller has read it.
    init(_ result: ProbeResult, feedback: WeightFeedback? = nil) {
        guard result.isOK else {
            self = .failure(result.probeClass.rawValue)
            return
        }
        if let weight = result.weight {
            self = .reported(weight: weight)
        } else {
            self = (feedback ?? result.feedback.map { WeightFeedback(header: $0) })?.verdict ?? .success
        }
    }
}
