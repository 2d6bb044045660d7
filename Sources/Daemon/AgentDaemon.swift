import Agent
import EventLoop
import Exporter
import FoundationEssentials
import IPVS
import Logging
import Primitives
import Probe

/// The running agent: discovery, probes, decisions and weight writes, metrics, all on one event loop.
/// Create it with `start`, then run its loop; signals stop or reload it. `Engine` makes the network probes: libcurl's
/// `ProbeEngine`, or a test's fake.
public final class AgentDaemon<Engine: ProbeRunner> where Engine.Check == NetworkCheck {
    struct LastProbe {
        var result: Probe.ProbeResult
        /// On the loop's clock: /status turns it into wall time.
        var at: Monotonic
        /// How many probes in a row, up to this one, were `dr_path` (the director-side guard's evidence).
        var drPathStreak = 0
    }

    let loop: EventLoop
    let ipvs: IPVSControl
    let host: DirectorHost
    let options: DaemonOptions
    let log: Logger
    let notifier: SystemdNotifier
    let metrics: DrcheckMetrics
    let stateFile: StateFile
    let lock: StateLock
    let origin: Monotonic
    let startedAt = Date().timeIntervalSince1970
    private let commands: CommandRunner
    /// HTTP and TCP checks, through libcurl; in dr mode with their RIP probes.
    var scheduler: ProbeScheduler<ServerID, EventLoop, DRPathRunner<EventLoop, Engine>>!
    /// Exec checks, under their own cap (`max_commands_in_flight`).
    var commandScheduler: ProbeScheduler<ServerID, EventLoop, CommandRunner>!
    var hooks: HookRunner!
    var server: MetricsServer?

    var loaded: LoadedConfig
    var configLoadedAt = Date().timeIntervalSince1970
    var lastReloadSucceeded = true
    var reconciler: Reconciler
    var snapshot = KernelSnapshot()
    var targets: [ServerID: ProbeTarget] = [:]
    var marks: ProbeMarks
    /// drcheck's probe services, by real server, and since when each is known to lead there.
    var probeServices = ProbeServiceLedger()
    /// A discovery pass is scheduled ahead of the periodic ones (`discoverSoon`).
    var discoveryDue = false
    var drRefused = false
    var vettedInterfaces: Set<String> = []
    var lastProbe: [ServerID: LastProbe] = [:]
    let bodyPatterns = BodyPatterns()
    /// Servers whose target has a note logged (probed otherwise than configured, or not at all).
    var notedTargets: Set<ServerID> = []
    /// Targets not yet probed once: the daemon is ready when none is left.
    var unprobed: Set<ServerID> = []
    var overload = OverloadGuard()
    /// Shadow mode's comparison (`--dry-run` only).
    var shadow = ShadowComparison()
    /// The series, gauges and STATUS= line that show the decision core's view.
    let publisher: Publisher
    var ready = false
    var arpWatch: ARPWatch?
    var arpConflicts: Set<ARPConflict> = []
    /// Conditions that persist, logged when they begin and end; bursts of lines summarised.
    let conditions: ConditionLog
    private var pending: [AgentEvent] = []
    private var turnScheduled = false
    private var lastTurn: Monotonic?
    var budget = DescriptorBudget(limit: 1024)
    /// The drains file as last read (inode, size, modification time): read again only when it changes.
    var drainsFileIdentity: [UInt64]?
    private var wake: (at: AgentTime, timer: EventLoop.TimerID)?

    init(
        loop: EventLoop, ipvs: IPVSControl, engine: Engine, host: DirectorHost, options: DaemonOptions,
        loaded: LoadedConfig, lock: StateLock, log: Logger, environment: [String: String]
    ) {
        self.loop = loop
        self.ipvs = ipvs
        self.host = host
        self.options = options
        self.loaded = loaded
        self.lock = lock
        self.log = log
        conditions = ConditionLog(log)
        notifier = SystemdNotifier(environment: environment)
        origin = loop.now()
        stateFile = StateFile(path: loaded.config.stateFile)
        let (state, warning) = stateFile.load()
        if let warning { log.warning("\(warning)") }
        reconciler = Reconciler(config: loaded.config, state: state, dryRun: options.dryRun)
        marks = ProbeMarks(range: loaded.config.probeMarks)
        metrics = DrcheckMetrics(version: DrcheckVersion.current)
        publisher = Publisher(metrics: metrics, notifier: notifier)
        metrics.recordConfigLoad(succeeded: true, at: configLoadedAt)
        commands = CommandRunner(loop: loop)
        // A DR probe that timed out while the loop ran late says nothing (its verdict is inconclusive): a RIP probe
        // that passed beside it must not turn it into `dr_path`.
        let runner = DRPathRunner(clock: loop, engine: engine) { [unowned self] check, dr, rip, started in
            guard dr.probeClass != .timeout || trusted(timeout: check.viaVIP.timeout, since: started) else { return dr }
            return DRPathVerdict.classify(dr: dr, rip: rip)
        }
        scheduler = ProbeScheduler(clock: loop, runner: runner) { [unowned self] record in
            probeFinished(record)
        }
        commandScheduler = ProbeScheduler(clock: loop, runner: commands) { [unowned self] record in
            probeFinished(record)
        }
        hooks = HookRunner(loop: loop) { [unowned self] result, job, detail in hookEnded(result, job, detail) }
    }

    func now() -> AgentTime { loop.now() - origin }

    func describe(_ source: ConfigSource) -> String {
        switch source {
        case .file(let path): "config \(path)"
        case .zeroConfig(let missing): "no \(missing): zero-config, every IPVS service checked with the defaults"
        }
    }

    // MARK: probes

    private func probeFinished<Runner>(_ record: ProbeScheduler<ServerID, EventLoop, Runner>.Record) {
        metrics.observeProbeStartDelay(record.lateness)
        guard let target = targets[record.key] else { return }
        noteStart(record, interval: target.interval)
        deliver(record.result, for: record.key, started: record.started)
    }

    /// `started`: when the probe (its DR probe, in dr mode) began, for the loop's lateness since.
    private func deliver(_ result: Probe.ProbeResult, for id: ServerID, started: Monotonic) {
        guard let target = targets[id] else { return }
        let streak = result.probeClass == .drPath ? (lastProbe[id]?.drPathStreak ?? 0) + 1 : 0
        lastProbe[id] = LastProbe(result: result, at: loop.now(), drPathStreak: streak)
        metrics.observeProbe(target.labels, resultClass: result.probeClass.rawValue, duration: result.duration)
        log.debug("\(id): \(result)", metadata: serviceMetadata(id.service))
        enqueue(.probed(id, verdict(result, for: target, started: started)))
        if !ready, unprobed.remove(id) != nil, unprobed.isEmpty { becomeReady() }
    }

    /// The decision core's verdict. A DR probe counts only when it took its probe service: verified before it
    /// began, and read again now when its verdict would move the server's health (IPVS flushed since the last pass
    /// would send it through the VIP's own scheduler, to any server).
    private func verdict(_ result: Probe.ProbeResult, for target: ProbeTarget, started: Monotonic) -> Agent.ProbeResult
    {
        guard let path = target.drPath else { return judge(result, for: target, started: started) }
        guard probeServices.trusts(path, since: started) else { return offPath(result, for: target.id) }
        let judged = judge(result, for: target, started: started)
        guard reconciler.confirms(judged, for: target.id) || probeServiceLeads(path) else {
            return offPath(result, for: target.id)
        }
        return judged
    }

    /// What the probe says of the server. What says nothing of it counts neither way: a local error (the director
    /// short of descriptors or ports), a timeout while the loop itself ran late (`OverloadGuard`), and `dr_path`
    /// while the director's DR path is not shown to work (another server passes through it), since then the
    /// director may be the one at fault (sysctls, routes, probe services).
    private func judge(_ result: Probe.ProbeResult, for target: ProbeTarget, started: Monotonic) -> Agent.ProbeResult {
        let id = target.id
        if result.isOK, directorFault != nil, target.drPath != nil {
            conditions.clear("director-fault", "DR-path probes pass again: the director's DR path works")
            metrics.setDirectorFault(false)
            fireHook(.directorFault(nil))
        }
        if let arp = arpVerdict(for: id) { return arp }
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
        case .drPath:
            return drPathVerdict(result, for: target)
        default:
            break
        }
        if conditions.message(of: "local-error") != nil {
            conditions.clear("local-error", "probes can be made again")
        }
        return Agent.ProbeResult(result)
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
    private func drPathVerdict(_ result: Probe.ProbeResult, for target: ProbeTarget) -> Agent.ProbeResult {
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
            conditions.raise("director-fault", .error, DirectorFault.message(viaDR, sysctls: host.sysctls))
            metrics.setDirectorFault(true)
            fireHook(.directorFault(directorFault))
        case .director, .undecided:
            break
        }
        return .inconclusive(result.probeClass.rawValue)
    }

    /// Feeds a probe start to the overload guard.
    private func noteStart<Runner>(_ record: ProbeScheduler<ServerID, EventLoop, Runner>.Record, interval: Duration) {
        // Commands waiting for their cap is the cap at work: overload only when they start late for it.
        report(
            overload.started(
                delay: record.lateness, waited: record.waited && Runner.self != CommandRunner.self,
                sincePrevious: record.previousStart.map { record.started - $0 },
                interval: interval, at: now()))
    }

    /// Logs and exports a change of the overload state, once.
    func report(_ change: OverloadGuard.Change?) {
        publisher.show(overload)
        guard let change else { return }
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

    /// `service=NAME` on a log line about one service: the label its metrics and /status carry (its configured name,
    /// else VIP:port), so that an alert's `service` finds its lines in the journal.
    func serviceMetadata(_ service: ServiceKey) -> Logger.Metadata {
        ["service": "\(serviceLabel(service))"]
    }

    /// The director-side fault now, if any (for /status and metrics).
    var directorFault: String? { conditions.message(of: "director-fault") }

    func becomeReady() {
        ready = true
        log.notice("every server probed once (\(targets.count)): ready")
        notifier.notify("READY=1")
        updateSystemdStatus()
    }

    /// Tells systemd the servers' tally when it changed (counted only on turns with transitions, never per probe).
    func updateSystemdStatus() {
        guard ready else { return }
        publisher.tellSystemd(reconciler.state.servers.values)
    }

    // MARK: decisions

    /// Queues an event for the decision turn that runs once the loop's current work is done, so that the results
    /// of one loop turn are decided, and their weight changes applied, together. Turns come at most every
    /// `Self.turnSpacing`: under a burst of results (hundreds of servers failing at once) the state file is written
    /// and the log summarised a few times a second, not once per loop turn.
    func enqueue(_ event: AgentEvent) {
        pending.append(event)
        guard !turnScheduled else { return }
        turnScheduled = true
        if let lastTurn, loop.now() < lastTurn + Self.turnSpacing {
            loop.schedule(at: lastTurn + Self.turnSpacing) { [weak self] in self?.turn() }
        } else {
            loop.soon { [weak self] in self?.turn() }
        }
    }

    static var turnSpacing: Duration { .milliseconds(100) }

    /// Sets the scheduler's in-flight cap from the config and the open-file limit; says so when the limit is the
    /// tighter.
    func limitProbesInFlight() {
        let configured = loaded.config.maxProbesInFlight
        let allowed = budget.probesInFlight(configured: configured)
        scheduler.maxInFlight = allowed
        commandScheduler.maxInFlight = loaded.config.maxCommandsInFlight
        hooks.maxInFlight = loaded.config.maxHooksInFlight
        hooks.timeout = loaded.config.onChangeTimeout
        if allowed < configured {
            conditions.raise(
                "descriptors", .warning,
                "the open-file limit (\(budget.limit)) allows \(allowed) probes in flight of max_probes_in_flight "
                    + "\(configured); raise LimitNOFILE to let more run")
        } else {
            conditions.clear("descriptors", "the open-file limit allows max_probes_in_flight (\(configured)) again")
        }
    }

    func turn() {
        turnScheduled = false
        lastTurn = loop.now()
        let events = pending
        pending.removeAll()
        let decision = reconciler.turn(events, at: now())
        let wall = Date().timeIntervalSince1970
        let level = ConditionLog.lineLevel(decision.transitions.count)
        for transition in decision.transitions {
            log.log(level: level, "\(transition)", metadata: serviceMetadata(transition.service))
            if let server = transition.server {
                let id = ServerID(service: transition.service, server: server)
                publisher.changed(id, at: wall)
                if let labels = targets[id]?.labels, let states = transition.kind.healthChange {
                    metrics.recordTransition(labels, from: states.from, to: states.to)
                }
            }
        }
        conditions.summarize(decision.transitions.count, TurnSummary.transitions(decision.transitions))
        if !decision.transitions.isEmpty { updateSystemdStatus() }
        let dryLevel = ConditionLog.lineLevel(decision.wouldChange.count)
        for change in decision.wouldChange {
            log.log(level: dryLevel, "dry run: would set \(change)", metadata: serviceMetadata(change.id.service))
        }
        conditions.summarize(
            decision.wouldChange.count, "dry run: would make \(TurnSummary.weights(decision.wouldChange))")
        // Saved before the writes: a crash between the two then leaves a kernel weight the state does not expect,
        // which the next start adopts and re-probes, rather than a drcheck drain that looks like an operator's.
        if decision.stateChanged { saveState() }
        let (failed, written) = apply(decision.changes, at: wall)
        if failed { saveState() }
        // After the writes: a hook never holds a weight change back.
        for transition in decision.transitions { fireHook(.of(transition)) }
        for change in written { fireHook(.of(change)) }
        if let next = ([decision.wakeAt] + (failed ? [now() + Reconciler.retryDelay] : [])).compactMap({ $0 }).min() {
            wake(at: next)
        }
        // A turn of probe results (nearly every turn: one per loop turn with results) publishes only the servers it
        // decided: publishing all of them every turn cost O(servers) per probe, O(servers squared) a second.
        let probesOnly = events.allSatisfy { if case .probed = $0 { true } else { false } }
        publish(probesOnly ? decision.decided : nil)
    }

    /// Makes the weight changes of one turn (at Unix time `wall`): whether any failed (the reconciler retries it),
    /// and those written.
    private func apply(_ changes: [WeightChange], at wall: Double) -> (failed: Bool, written: [WeightChange]) {
        var writer = WeightWriter(ipvs: ipvs)
        var failed = false
        var written: [WeightChange] = []
        defer {
            conditions.summarize(
                changes.count, drains: written.contains(where: \.isDrain), TurnSummary.weights(written))
        }
        for change in changes {
            guard let service = snapshot.services[change.id.service] else { continue }
            do {
                switch try writer.write(change) {
                case .gone:
                    log.warning(
                        "\(change.id): gone from the kernel before its weight could be set",
                        metadata: serviceMetadata(change.id.service))
                case .setByOther(let weight):
                    // Someone else set the weight since drcheck last read it: theirs stands, and the next turn
                    // sees it (adopted, or an administrative drain) rather than drcheck overwriting it.
                    log.info(
                        "\(change.id): weight \(weight) set by someone else, \(change.to) not written",
                        metadata: serviceMetadata(change.id.service))
                    _ = reconciler.writeFailed(change, at: now())
                    let read = KernelSnapshot.CheckedService(
                        kernel: service.kernel, destinations: writer.read[change.id.service] ?? [])
                    enqueue(.kernel(change.id.service, read.weights))
                case .written:
                    metrics.recordIPVSUpdate(.setWeight)
                    publisher.changed(change.id, at: wall)
                    log.log(
                        level: ConditionLog.lineLevel(changes.count, drain: change.isDrain), "\(change)",
                        metadata: serviceMetadata(change.id.service))
                    written.append(change)
                }
            } catch {
                failed = true
                metrics.recordIPVSError(.setWeight)
                distrustProbeServices()
                _ = reconciler.writeFailed(change, at: now())
                log.error(
                    "\(change.id): cannot set weight \(change.to): \(error); retrying",
                    metadata: serviceMetadata(change.id.service))
            }
        }
        return (failed, written)
    }

    private func wake(at time: AgentTime) {
        if let wake, wake.at <= time { return }
        if let wake { loop.cancel(wake.timer) }
        let timer = loop.schedule(at: origin + time) { [weak self] in
            self?.wake = nil
            self?.turn()
        }
        wake = (time, timer)
    }

    func saveState() {
        guard !options.dryRun else { return }
        do {
            try stateFile.save(reconciler.state)
            conditions.clear("state-save", "state saved to \(stateFile.path) again")
        } catch {
            conditions.raise(
                "state-save", .error,
                "\(error); the decisions stand, saving is retried at every change and discovery pass (until then a "
                    + "restart would take drcheck's drains since for an operator's)")
        }
    }
}
