import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Probe

/// From a probe's result to the decision core's verdict, with the state that takes: each server's last probe and its
/// run of `dr_path` results, and the overload guard. What says nothing of a server counts neither way: a local error
/// (the director short of descriptors or ports), a timeout while the loop itself ran late (`OverloadGuard`),
/// `dr_path` while the director's DR path is not shown to work (`DirectorFaultRule`), and no answer while the
/// director's conntrack table is full (`DirectorFaults`). ARCHITECTURE.md shows where it
/// sits on a probe's path.
final class VerdictPipeline {
    struct LastProbe {
        var result: ProbeResult
        /// On the loop's clock: /status turns it into wall time.
        var at: Monotonic
        /// How many probes in a row, up to this one, were `dr_path` (the director-side guard's evidence).
        var drPathStreak = 0
    }

    private(set) var lastProbe: [ServerID: LastProbe] = [:]
    private(set) var overload = OverloadGuard()
    /// What discovered services speak, as their probes showed.
    private(set) var protocols = ServiceProtocols()
    private let loop: EventLoop
    private let origin: Monotonic
    private let publisher: Publisher
    private let conditions: ConditionLog
    private let sysctls: DRSysctls
    private let directorFaults: DirectorFaults
    /// The director-side fault began (with its message) or ended (nil): the daemon runs its change hook.
    var onDirectorFault: (String?) -> Void = { _ in }

    init(
        loop: EventLoop, origin: Monotonic, publisher: Publisher, conditions: ConditionLog, sysctls: DRSysctls,
        directorFaults: DirectorFaults
    ) {
        self.directorFaults = directorFaults
        self.loop = loop
        self.origin = origin
        self.publisher = publisher
        self.conditions = conditions
        self.sysctls = sysctls
    }

    private var metrics: DrcheckMetrics { publisher.metrics }
    private var log: Logger { conditions.log }
    private func now() -> AgentTime { loop.now() - origin }

    /// The director-side fault now, if any (for /status and metrics).
    var directorFault: String? { conditions.message(of: "director-fault") }

    /// The DR-path runner's verdict on a failed DR probe and its RIP probe: `dr_path` when the RIP answered. A DR
    /// probe that timed out while the loop ran late says nothing (its verdict is inconclusive): a RIP probe that
    /// passed beside it must not turn it into `dr_path`.
    func classify(
        _ check: DRPathCheck, dr: ProbeResult, rip: ProbeResult, started: Monotonic
    ) -> ProbeResult {
        guard dr.probeClass != .timeout || trusted(timeout: check.viaVIP.timeout, since: started) else { return dr }
        return DRPathVerdict.classify(dr: dr, rip: rip)
    }

    /// Keeps `target`'s result as its last probe and counts it.
    func record(_ result: ProbeResult, for target: ProbeTarget) {
        let streak = result.probeClass == .drPath ? (lastProbe[target.id]?.drPathStreak ?? 0) + 1 : 0
        lastProbe[target.id] = LastProbe(result: result, at: loop.now(), drPathStreak: streak)
        metrics.observeProbe(target.labels, resultClass: result.probeClass.rawValue, duration: result.duration)
    }

    /// What the probe of `target` that began at `started` says of the server; `arp`: its verdict while it answers
    /// ARP for a VIP (`on_arp_conflict: drain`); `targets`: every target, for the director-side guard.
    func judge(
        _ result: ProbeResult, for target: ProbeTarget, started: Monotonic, arp: ProbeVerdict?,
        targets: [ServerID: ProbeTarget]
    ) -> ProbeVerdict {
        let id = target.id
        if result.isOK, directorFault != nil, target.drPath != nil {
            conditions.clear("director-fault", "DR-path probes pass again: the director's DR path works")
            metrics.setDirectorFault(false)
            onDirectorFault(nil)
        }
        if let arp { return arp }
        if target.learnsProtocol {
            let (reading, turned) = protocols.read(result, of: id.service)
            if turned { log.notice("\(ServiceProtocols.turnedLine(id.service, detail: result.detail))") }
            if let verdict = reading.verdict(of: result) { return verdict }
        }
        switch result.probeClass {
        case .localError:
            metrics.recordDiscounted(.localError)
            conditions.raise(
                "local-error", .error,
                "cannot make probes: \(result.detail); no server is judged on such a probe (raise LimitNOFILE, "
                    + "free local ports or memory)")
            return .inconclusive(result.probeClass.rawValue)
        case .timeout, .execTimeout:
            guard trusted(timeout: target.check.timeout, since: started, cpuWait: result.cpuWait ?? .zero) else {
                metrics.recordDiscounted(.overload)
                report(overload.discounted(at: now()))
                log.debug("\(id): timeout not counted, the director was short of CPU while it was under way")
                return .inconclusive(result.probeClass.rawValue)
            }
        default:
            break
        }
        if let verdict = directorFaults.blame(result, server: id.server.address) {
            if case .inconclusive = verdict { metrics.recordDiscounted(.directorFault) }
            return verdict
        }
        if result.probeClass == .drPath { return drPathVerdict(result, for: target, targets: targets) }
        if conditions.message(of: "local-error") != nil {
            conditions.clear("local-error", "probes can be made again")
        }
        // Read once, for the log and the verdict.
        let feedback = result.isOK ? result.feedback.map { WeightFeedback(header: $0) } : nil
        if result.isOK, case .network(let check) = target.check, let header = check.weightHeader {
            noteFeedback(result.feedback, read: feedback, header: header, for: id)
        }
        return ProbeVerdict(result, feedback: feedback)
    }

    /// `weight_header`: a value not understood (the configured weight, as `ProbeVerdict` reads it) is counted, and
    /// logged once until the header is understood again or gone.
    private func noteFeedback(_ value: String?, read: WeightFeedback?, header: String, for id: ServerID) {
        let condition = "feedback \(id)"
        guard let value else {
            return conditions.clear(condition, "\(id): no \(header) header now: its configured weight")
        }
        guard read == .invalid else {
            return conditions.clear(condition, "\(id): \(header) understood again")
        }
        metrics.recordInvalidFeedback()
        if conditions.message(of: condition) == nil {
            conditions.raise(
                condition, .warning,
                "\(id): \(header) \(ConfigError.quoted(value)) is none of N%, drain or up: ignored, its configured "
                    + "weight kept")
        }
    }

    /// Whether a timeout of a probe of `timeout` that began at `started` is evidence (`OverloadGuard.trusts`): the
    /// loop ran late, or a command waited for a CPU (`cpuWait`), by no more than the guard allows.
    private func trusted(timeout: Duration, since started: Monotonic, cpuWait: Duration = .zero) -> Bool {
        OverloadGuard.trusts(
            timeout: timeout,
            lateness: max(loop.lateness.worst(from: started, to: loop.now()), cpuWait))
    }

    /// Raised once every DR-path target has failed `fall` times in a row that way (the evidence that would drain a
    /// server; one round timing out together on a loaded machine is not), and once per fault: its advice (computed
    /// from the sysctls now) must not re-log it as the fix lands.
    private func drPathVerdict(
        _ result: ProbeResult, for target: ProbeTarget, targets: [ServerID: ProbeTarget]
    ) -> ProbeVerdict {
        let viaDR = targets.values.filter { $0.drPath != nil }
        func evidence(_ target: ProbeTarget) -> DirectorFaultRule.Evidence {
            let last = lastProbe[target.id]
            return DirectorFaultRule.Evidence(
                drPathInARow: last?.drPathStreak ?? 0, needed: target.fall, lastPassed: last?.result.isOK == true)
        }
        switch DirectorFaultRule.judge(evidence(target), others: viaDR.filter { $0.id != target.id }.map(evidence)) {
        case .server:
            return .failure(result.probeClass.rawValue)
        case .director where directorFault == nil:
            conditions.raise("director-fault", .error, DirectorFault.message(viaDR, sysctls: sysctls))
            metrics.setDirectorFault(true)
            onDirectorFault(directorFault)
        case .director, .undecided:
            break
        }
        return .inconclusive(result.probeClass.rawValue)
    }

    /// Feeds a probe start to the overload guard; `waited`: it waited for room under its cap.
    func started(lateness: Duration, waited: Bool, sincePrevious: Duration?, interval: Duration) {
        report(
            overload.started(
                delay: lateness, waited: waited, sincePrevious: sincePrevious, interval: interval, at: now()))
    }

    /// A discovery pass's tick of the overload guard: an overload calm long enough ends even without probes.
    func tick() { report(overload.tick(at: now()).map { [$0] } ?? []) }

    /// A server no longer probed.
    func forget(_ id: ServerID) { lastProbe[id] = nil }

    /// A service gone from the kernel.
    func forget(service: ServiceKey) { protocols.forget(service) }

    /// Why `service` is checked by connecting, when its servers were found to speak another protocol than HTTP.
    func connectOnlyNote(_ service: ServiceKey) -> String? {
        guard case .other(let detail) = protocols.learnt[service] else { return nil }
        return ServiceProtocols.connectOnlyNote(detail)
    }

    /// Logs and exports changes of the overload state, each once.
    private func report(_ changes: [OverloadGuard.Change]) {
        publisher.show(overload)
        for change in changes {
            switch change {
            case .began(let summary):
                let consequence =
                    "timeouts while the loop runs late are not counted against servers, and checks run less often "
                    + "until it is over"
                log.warning("overloaded: \(OverloadReport.describe(summary)); \(consequence)")
            case .ended(let summary):
                log.notice("overload over: \(OverloadReport.describe(summary))")
            }
        }
    }
}
