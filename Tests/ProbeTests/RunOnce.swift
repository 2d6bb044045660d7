import EventLoop
import Testing

@testable import Probe

/// One probe of `check` on `engine` (by default one of its own), the loop run until it ends.
func runOnce(_ check: NetworkCheck, on loop: EventLoop, engine: ProbeEngine? = nil) throws -> ProbeResult {
    let engine = try engine ?? ProbeEngine(loop: loop)
    var result: ProbeResult?
    try engine.start(check) { result = $0 }
    try loop.run(until: { result != nil })
    return try #require(result)
}
