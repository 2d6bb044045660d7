import EventLoop
import Testing

@testable import Probe

/// One probe of `check` on its own engine, the loop run until it ends.
func runOnce(_ check: NetworkCheck, on loop: EventLoop) throws -> ProbeResult {
    let engine = try ProbeEngine(loop: loop)
    var result: ProbeResult?
    try engine.start(check) { result = $0 }
    try loop.run(until: { result != nil })
    return try #require(result)
}
