import Agent
import EventLoop
import Exporter
import FoundationEssentials
import IPVS
import Logging
import Primitives
import Probe
import Storage

/// The running agent: discovery, probes, decisions and weight writes, metrics, all on one event loop.
/// Create it with `start`, then run its loop; signals stop or reload it. `Engine` makes the network probes: libcurl's
/// `ProbeEngine`, or a test's fake.
public final class AgentDaemon<Engine: ProbeRunner> where Engine.Check == NetworkCheck {
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

    /// The config as it runs, with its reload bookkeeping.
    let running: RunningConfig
    var reconciler: Reconciler
    var snapshot = KernelSnapshot()
    /// The probe targets and readiness.
    let targets = TargetSet()
    /// The DR-path component's state: probe marks, probe services, sysctl vetting.
    let drKeeper: DRPathKeeper
    /// A discovery pass is scheduled ahead of the periodic ones (`discoverSoon`).
    var discoveryDue = false
    /// Shadow mode's comparison (`--dry-run` only).
    let shadow: ShadowMode
    /// The series, gauges and STATUS= line that show the decision core's view.
    let publisher: Publisher
    /// Each probe's result to the decision core's verdict.
    let verdicts: VerdictPipeline
    /// The ARP watch and its conflicts.
    let arp: ARPConflicts
    /// Conditions that persist, logged when they begin and end; bursts of lines summarised.
    let conditions: ConditionLog
    /// The decision core's events, gathered into turns.
    let turns: TurnBatcher
    /// The open-file limit, for the probes in flight.
    let budget: DescriptorBudget
    /// The drains file, read when it changed.
    let drains: DrainsReader
    /// Targets whose identical checks share one probe.
    var sharing = ProbeSharing()
    /// The director's limits and the faults they cause.
    let directorFaults: DirectorFaults
    /// Other directors' verdicts, compared with this one's (`peers`).
    let peers: PeerWatch
    /// The fleet's verdicts through etcd (`fleet`).
    let fleet: FleetWatch

    init(
        loop: EventLoop, ipvs: IPVSControl, engine: Engine, host: DirectorHost, options: DaemonOptions,
        loaded: LoadedConfig, lock: StateLock, log: Logger, environment: [String: String],
        budget: DescriptorBudget = DescriptorBudget(limit: 1024)
    ) {
        self.loop = loop
        self.ipvs = ipvs
        self.host = host
        self.options = options
        running = RunningConfig(loaded, at: Date().timeIntervalSince1970)
        self.lock = lock
        self.budget = budget
        self.log = log
        conditions = ConditionLog(log)
        notifier = SystemdNotifier(environment: environment)
        origin = loop.now()
        stateFile = StateFile(path: running.config.stateFile)
        let (state, warning) = stateFile.load()
        if let warning { log.warning("\(warning)") }
        reconciler = Reconciler(config: running.config, state: state, dryRun: options.dryRun, awaitsFleet: true)
        metrics = DrcheckMetrics(version: DrcheckVersion.current)
        metrics.clock = { [loop] in loop.now() }
        publisher = Publisher(metrics: metrics, notifier: notifier, origin: origin)
        drKeeper = DRPathKeeper(
            marks: running.config.probeMarks, ipvs: ipvs, loop: loop, metrics: metrics, conditions: conditions,
            sysctls: host.sysctls)
        directorFaults = DirectorFaults(host: host, conditions: conditions, metrics: metrics)
        verdicts = VerdictPipeline(
            loop: loop, origin: origin, publisher: publisher, conditions: conditions, sysctls: host.sysctls,
            directorFaults: directorFaults)
        turns = TurnBatcher(loop: loop, origin: origin)
        shadow = ShadowMode(log: log, metrics: metrics)
        drains = DrainsReader(DrainsFile(forState: loaded.config.stateFile), conditions: conditions)
        arp = ARPConflicts(loop: loop, log: log, metrics: metrics, conditions: conditions)
        // Peers and the fleet's store are read through the probe engine, beside the probes.
        let fetch = { (check: NetworkCheck, done: @escaping (ProbeResult) -> Void) in
            do {
                _ = try engine.start(check, completion: done)
            } catch {
                done(ProbeResult(.localError, duration: .zero, detail: "\(error)"))
            }
        }
        peers = PeerWatch(loop: loop, origin: origin, metrics: metrics, conditions: conditions, fetch: fetch)
        fleet = FleetWatch(loop: loop, metrics: metrics, conditions: conditions, fetch: fetch)
        metrics.recordConfigLoad(succeeded: true, at: running.loadedAt)
        commands = CommandRunner(loop: loop)
        let runner = DRPathRunner(clock: loop, engine: engine, judge: verdicts.classify)
        scheduler = ProbeScheduler(clock: loop, runner: runner) { [unowned self] record in
            probeFinished(record)
        }
        commandScheduler = ProbeScheduler(clock: loop, runner: commands) { [unowned self] record in
            probeFinished(record)
        }
        peers.ours = { [unowned self] in reconciler.state.servers.mapValues(\.up) }
        peers.labels = { [unowned self] in targets[$0]?.labels }
        fleet.ours = peers.ours
        fleet.text = { [unowned self] in verdictsText() }
        fleet.deliver = { [unowned self] in turns.enqueue($0) }
        fleet.labels = peers.labels
        hooks = HookRunner(loop: loop) { [unowned self] result, job, detail in hookEnded(result, job, detail) }
        verdicts.onDirectorFault = { [unowned self] in fireHook(.directorFault($0)) }
        turns.onTurn = { [unowned self] in turn($0) }
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
        noteStart(record)
        deliver(record.result, for: record.key, started: record.started)
        for sharer in sharing.sharers[record.key] ?? [] {
            deliver(record.result, for: sharer, started: record.started)
        }
    }

    /// `started`: when the probe (its DR probe, in dr mode) began, for the loop's lateness since.
    private func deliver(_ result: ProbeResult, for id: ServerID, started: Monotonic) {
        guard let target = targets[id] else { return }
        verdicts.record(result, for: target)
        log.debug("\(id): \(result)", metadata: serviceMetadata(id.service))
        turns.enqueue(.probed(id, verdict(result, for: target, started: started)))
        if targets.probed(id) { becomeReady() }
    }

    /// The decision core's verdict. A DR probe counts only when it took its probe service: verified before it
    /// began, and read again now when its verdict would move the server's health (IPVS flushed since the last pass
    /// would send it through the VIP's own scheduler, to any server).
    private func verdict(_ result: ProbeResult, for target: ProbeTarget, started: Monotonic) -> ProbeVerdict {
        guard let path = target.drPath else { return judge(result, for: target, started: started) }
        guard drKeeper.trusts(path, since: started) else { return offPath(result, for: target.id) }
        let judged = judge(result, for: target, started: started)
        guard reconciler.confirms(judged, for: target.id) || probeServiceLeads(path) else {
            return offPath(result, for: target.id)
        }
        return judged
    }

    private func judge(_ result: Probe.ProbeResult, for target: ProbeTarget, started: Monotonic) -> ProbeVerdict {
        verdicts.judge(result, for: target, started: started, arp: arp.verdict(for: target.id), targets: targets.all)
    }

    /// Feeds a probe start to the overload guard.
    private func noteStart<Runner>(_ record: ProbeScheduler<ServerID, EventLoop, Runner>.Record) {
        // Commands waiting for their cap is the cap at work: overload only when they start late for it.
        verdicts.started(
            lateness: record.lateness, waited: record.waited && Runner.self != CommandRunner.self,
            sincePrevious: record.previousStart.map { record.started - $0 }, interval: record.interval)
    }

    func serviceMetadata(_ service: ServiceKey) -> Logger.Metadata { running.config.serviceMetadata(service) }

    func becomeReady() {
        log.notice("every server probed once (\(targets.count)): ready")
        notifier.notify("READY=1")
        updateSystemdStatus()
    }

    /// Tells systemd the servers' tally when it changed (counted only on turns with transitions, never per probe).
    func updateSystemdStatus() {
        guard targets.ready else { return }
        publisher.tellSystemd(reconciler.state.servers.values)
    }

    // MARK: decisions

    /// Sets the scheduler's in-flight cap from the config and the open-file limit; says so when the limit is the
    /// tighter.
    func limitProbesInFlight() {
        let configured = running.config.maxProbesInFlight
        let allowed = budget.probesInFlight(configured: configured)
        scheduler.maxInFlight = allowed
        commandScheduler.maxInFlight = running.config.maxCommandsInFlight
        hooks.maxInFlight = running.config.maxHooksInFlight
        hooks.timeout = running.config.onChangeTimeout
        if allowed < configured {
            conditions.raise(
                "descriptors", .warning,
                "the open-file limit (\(budget.limit)) allows \(allowed) probes in flight of max_probes_in_flight "
                    + "\(configured); raise LimitNOFILE to let more run")
        } else {
            conditions.clear("descriptors", "the open-file limit allows max_probes_in_flight (\(configured)) again")
        }
    }

    /// Decides one turn's events: logs the transitions, saves the state, writes the weights, runs the hooks and
    /// publishes what the turn decided.
    private func turn(_ events: [AgentEvent]) {
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
            turns.wake(at: next)
        }
        repace(decision.decided)
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
                    turns.enqueue(.kernel(change.id.service, read.weights))
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

extension Config {
    /// `service=NAME` on a log line about one service: the label its metrics and /status carry (its configured name,
    /// else VIP:port), so that an alert's `service` finds its lines in the journal.
    func serviceMetadata(_ service: ServiceKey) -> Logger.Metadata { ["service": "\(label(of: service))"] }
}
