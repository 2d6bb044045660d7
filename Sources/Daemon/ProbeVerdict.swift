import Agent
import Probe

extension Agent.ProbeResult {
    /// The decision core's view of a probe: passed, or failed with its class.
    init(_ result: Probe.ProbeResult) {
        self = result.isOK ? .success : .failure(result.probeClass.rawValue)
    }
}
