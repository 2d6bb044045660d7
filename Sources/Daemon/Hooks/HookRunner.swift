import EventLoop
import Exporter
import Probe

/// Runs change hooks on the loop, never in a weight change's way: queued in event order, at most `maxInFlight` at once
/// (1 keeps their order), each killed with its process group at `timeout`; an event that finds `queueLimit` waiting is
/// dropped and counted. A failed hook is reported once and never retried.
final class HookRunner {
    struct Job {
        var argv: [String]
        var environment: [String: String]
        /// For the log: the event and what it concerns.
        var label: String
    }

    static let queueLimit = 256

    private let runner: CommandRunner
    private var queue: [Job] = []
    private var head = 0
    private var running = 0
    var maxInFlight = 1 {
        didSet { startWaiting() }
    }
    var timeout: Duration = .seconds(10)
    /// Called with every hook's end (or its drop) and what it said.
    private let ended: (HookResult, Job, String) -> Void

    init(loop: EventLoop, ended: @escaping (HookResult, Job, String) -> Void) {
        runner = CommandRunner(loop: loop)
        self.ended = ended
    }

    func run(_ job: Job) {
        guard queue.count - head < Self.queueLimit else {
            return ended(.dropped, job, "more than \(Self.queueLimit) waiting")
        }
        queue.append(job)
        startWaiting()
    }

    private func startWaiting() {
        while running < maxInFlight, head < queue.count {
            let job = queue[head]
            head += 1
            running += 1
            runner.start(CommandCheck(argv: job.argv, environment: job.environment, timeout: timeout)) {
                [unowned self] result in
                running -= 1
                ended(Self.result(result.probeClass), job, result.detail)
                startWaiting()
            }
        }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    private static func result(_ probeClass: ProbeClass) -> HookResult {
        switch probeClass {
        case .ok: .ok
        case .execTimeout: .timeout
        case .localError: .error
        default: .failed
        }
    }
}
