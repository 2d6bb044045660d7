import EventLoop
import Probe

/// Network probes that make no traffic: each ends on the loop after its scripted result's duration (capped at the
/// check's timeout), with the result `answer` gives for its check.
final class FakeEngine: ProbeRunner {
    /// A probe as it was started: `dr` when it went through a probe mark, else at the address itself.
    struct Started: Equatable, CustomStringConvertible {
        var address: String
        var mark: UInt32?
        var description: String { mark.map { "dr \(address) mark \($0)" } ?? "rip \(address)" }
    }

    private let loop: EventLoop
    /// The result for a check; the test changes it between rounds.
    var answer: (NetworkCheck) -> ProbeResult = { _ in ProbeResult(.ok, duration: .milliseconds(10), status: 200) }
    var started: [Started] = []
    /// When each of `started` began, on the loop's clock.
    var startedAt: [Monotonic] = []

    init(loop: EventLoop) { self.loop = loop }

    func start(_ check: NetworkCheck, completion: @escaping (ProbeResult) -> Void) throws(ProbeSetupError)
        -> EventLoop.TimerID
    {
        started.append(Started(address: check.address.description, mark: check.mark))
        startedAt.append(loop.now())
        let result = answer(check)
        return loop.schedule(after: min(result.duration, check.timeout)) { completion(result) }
    }

    func cancel(_ probe: EventLoop.TimerID) { loop.cancel(probe) }
}
