import Agent
import EventLoop
import Exporter
import Foundation
import IPVS
import Logging
import Primitives
import Probe

/// The running agent: discovery, probes, decisions and weight writes, metrics, all on one event loop.
/// Create it with `start`, then run its loop; signals stop or reload it.
public final class AgentDaemon {
    struct LastProbe {
        var result: Probe.ProbeResult
        var at: Double
        /// How many probes in a row, up to this one, were `dr_path` (the director-side guard's evidence).
        var drPathStreak = 0
    }

    let loop: EventLoop
    let ipvs: IPVSControl
    let options: DaemonOptions
    let log: Logger
    let notifier: SystemdNotifier
    let metrics: DrcheckMetrics
    let stateFile: StateFile
    let lock: StateLock
    let origin: Monotonic
    let startedAt = Date().timeIntervalSince1970
    private let engine: ProbeEngine
    var scheduler: LoopProbeScheduler<ServerID>!
    var server: MetricsServer?

    var loaded: LoadedConfig
    var configLoadedAt = Date().timeIntervalSince1970
    var lastReloadSucceeded = true
    var reconciler: Reconciler
    var snapshot = KernelSnapshot()
    var targets: [ServerID: ProbeTarget] = [:]
    var marks: ProbeMarks
    /// Probe services that exist in the kernel now, by real server.
    var probeServices: [IPAddress: UInt32] = [:]
    var drRefused = false
    var vettedInterfaces: Set<String> = []
    var lastProbe: [ServerID: LastProbe] = [:]
    var lastChange: [ServerID: Double] = [:]
    var publishedServices: Set<String> = []
    var ready = false
    var arpWatch: ARPWatch?
    var arpConflicts: Set<ARPConflict> = []
    /// Conditions that persist (an IPVS read failing, a state file that cannot be written), by name, with the
    /// message logged when each began: logged once when it starts and once when it ends.
    var conditions: [String: String] = [:]
    private var pending: [AgentEvent] = []
    private var turnScheduled = false
    private var wake: (at: AgentTime, timer: EventLoop.TimerID)?

    init(
        loop: EventLoop, ipvs: IPVSControl, options: DaemonOptions, loaded: LoadedConfig, lock: StateLock,
        log: Logger, environment: [String: String]
    ) throws(StartupError) {
        self.loop = loop
        self.ipvs = ipvs
        self.options = options
        self.loaded = loaded
        self.lock = lock
        self.log = log
        notifier = SystemdNotifier(environment: environment)
        origin = loop.now()
        stateFile = StateFile(path: loaded.config.stateFile)
        let (state, warning) = stateFile.load()
        if let warning { log.warning("\(warning)") }
        reconciler = Reconciler(config: loaded.config, state: state, dryRun: options.dryRun)
        marks = ProbeMarks(range: loaded.config.probeMarks)
        metrics = DrcheckMetrics(version: DrcheckVersion.current)
        metrics.recordConfigLoad(succeeded: true, at: configLoadedAt)
        do {
            engine = try ProbeEngine(loop: loop)
        } catch {
            throw .runtime("cannot start probing: \(error)")
        }
        scheduler = LoopProbeScheduler(clock: loop, runner: engine) { [unowned self] record in
            probeFinished(record)
        }
    }

    /// Loads the config, connects to IPVS, takes the state lock, listens, prunes stale probe services and makes
    /// the first discovery. Errors carry DESIGN.md's exit status.
    public static func start(
        options: DaemonOptions, loop: EventLoop, log: Logger, environment: [String: String]
    ) throws(StartupError) -> AgentDaemon {
        let loaded = try StartupSteps.loadConfig(options)
        let listen: ListenAddress
        do {
            listen = try ListenAddress(parsing: loaded.config.listen)
        } catch {
            throw .config("listen: \(error)")
        }
        let ipvs = try StartupSteps.connectIPVS()
        let lock: StateLock
        switch try StartupSteps.lockState(loaded.config.stateFile) {
        case .acquired(let taken): lock = taken
        case .heldBy(let pid):
            throw .runtime(
                "another drcheck\(pid.map { " (pid \($0))" } ?? "") holds \(StateLock.lockPath(forState: loaded.config.stateFile)); "
                    + "stop it first")
        }
        let daemon = try AgentDaemon(
            loop: loop, ipvs: ipvs, options: options, loaded: loaded, lock: lock, log: log, environment: environment)
        do {
            daemon.server = try MetricsServer(loop: loop, address: listen, endpoints: daemon.endpoints)
        } catch {
            throw .runtime(error.description)
        }
        try daemon.pruneProbeServices()
        try daemon.handleSignals()
        let dryRun = options.dryRun ? ", dry run: no weight will be written" : ""
        daemon.log.notice(
            "drcheck \(DrcheckVersion.current) started: \(daemon.describe(loaded.source)), listening on \(listen)\(dryRun)"
        )
        daemon.startARPWatch()
        daemon.discoverPeriodically()
        if let period = SystemdNotifier.watchdogInterval(environment: environment) {
            daemon.keepWatchdogFed(every: period)
        }
        return daemon
    }

    func now() -> AgentTime { loop.now() - origin }

    func describe(_ source: ConfigSource) -> String {
        switch source {
        case .file(let path): "config \(path)"
        case .zeroConfig(let missing): "no \(missing): zero-config, every IPVS service checked with the defaults"
        }
    }

    /// Logs `message` when condition `name` begins or its message changes.
    func raise(_ name: String, _ level: Logger.Level, _ message: String) {
        guard conditions[name] != message else { return }
        conditions[name] = message
        log.log(level: level, "\(message)")
    }

    /// Logs `message` when condition `name` was raised and is over.
    func clear(_ name: String, _ message: @autoclosure () -> String) {
        guard conditions.removeValue(forKey: name) != nil else { return }
        log.notice("\(message())")
    }

    // MARK: probes

    private func probeFinished(_ record: LoopProbeScheduler<ServerID>.Record) {
        metrics.observeProbeStartDelay(record.lateness)
        guard let target = targets[record.key] else { return }
        guard let ripCheck = target.ripCheck, !record.result.isOK else {
            return deliver(record.result, for: record.key)
        }
        // The DR probe failed: does the server answer on its own address? Then the DR path is what is broken.
        do {
            try engine.start(ripCheck) { [weak self] rip in
                self?.deliver(DRPathVerdict.classify(dr: record.result, rip: rip), for: record.key)
            }
        } catch {
            deliver(record.result, for: record.key)
        }
    }

    private func deliver(_ result: Probe.ProbeResult, for id: ServerID) {
        guard let target = targets[id] else { return }
        let streak = result.probeClass == .drPath ? (lastProbe[id]?.drPathStreak ?? 0) + 1 : 0
        lastProbe[id] = LastProbe(result: result, at: Date().timeIntervalSince1970, drPathStreak: streak)
        metrics.observeProbe(target.labels, resultClass: result.probeClass.rawValue, duration: result.duration)
        log.debug("\(id): \(result)", metadata: serviceMetadata(id.service))
        enqueue(.probed(id, verdict(result, for: id)))
        if !ready, targets.keys.allSatisfy({ lastProbe[$0] != nil }) { becomeReady() }
    }

    /// The decision core's verdict. `dr_path` counts as the server's failure only while the director's DR path is
    /// shown to work (another server passes through it); otherwise the director may be the one at fault (sysctls,
    /// routes, probe services) and nothing is drained for it (issue 8's director-side guard).
    private func verdict(_ result: Probe.ProbeResult, for id: ServerID) -> Agent.ProbeResult {
        let viaDR = targets.values.filter { $0.drPath != nil }
        if result.isOK, targets[id]?.drPath != nil {
            clear("director-fault", "DR-path probes pass again: the director's DR path works")
            metrics.setDirectorFault(false)
        }
        if let arp = arpVerdict(for: id) { return arp }
        guard result.probeClass == .drPath else { return Agent.ProbeResult(result) }
        if viaDR.contains(where: { $0.id != id && lastProbe[$0.id]?.result.isOK == true }) {
            return .failure(result.probeClass.rawValue)
        }
        // Raised once every DR-path target has failed `fall` times in a row that way (the evidence that would drain a
        // server; one round timing out together on a loaded machine is not), and once per fault: its advice
        // (computed from the sysctls now) must not re-log it as the fix lands.
        if directorFault == nil, viaDR.allSatisfy({ (lastProbe[$0.id]?.drPathStreak ?? 0) >= $0.fall }) {
            raise("director-fault", .error, DirectorFault.message(viaDR))
            metrics.setDirectorFault(true)
        }
        return .inconclusive(result.probeClass.rawValue)
    }

    /// `service=NAME` on a log line about one service: the label its metrics and /status carry (its configured name,
    /// else VIP:port), so that an alert's `service` finds its lines in the journal.
    func serviceMetadata(_ service: ServiceKey) -> Logger.Metadata {
        ["service": "\(serviceLabel(service))"]
    }

    /// The director-side fault now, if any (for /status and metrics).
    var directorFault: String? { conditions["director-fault"] }

    func becomeReady() {
        ready = true
        log.notice("every server probed once (\(targets.count)): ready")
        notifier.notify("READY=1")
    }

    // MARK: decisions

    /// Queues an event for the decision turn that runs once the loop's current work is done, so that the results
    /// of one loop turn are decided, and their weight changes applied, together.
    func enqueue(_ event: AgentEvent) {
        pending.append(event)
        guard !turnScheduled else { return }
        turnScheduled = true
        loop.schedule(after: .zero) { [weak self] in self?.turn() }
    }

    func turn() {
        turnScheduled = false
        let events = pending
        pending.removeAll()
        let decision = reconciler.turn(events, at: now())
        let wall = Date().timeIntervalSince1970
        for transition in decision.transitions {
            log.notice("\(transition)", metadata: serviceMetadata(transition.service))
            if let server = transition.server {
                let id = ServerID(service: transition.service, server: server)
                lastChange[id] = wall
                if let labels = targets[id]?.labels, let states = transition.kind.healthChange {
                    metrics.recordTransition(labels, from: states.from, to: states.to)
                }
            }
        }
        for change in decision.wouldChange {
            log.notice("dry run: would set \(change)", metadata: serviceMetadata(change.id.service))
        }
        // Saved before the writes: a crash between the two then leaves a kernel weight the state does not expect,
        // which the next start adopts and re-probes, rather than a drcheck drain that looks like an operator's.
        if decision.stateChanged { saveState() }
        let failed = apply(decision.changes)
        if failed { saveState() }
        if let next = ([decision.wakeAt] + (failed ? [now() + Reconciler.retryDelay] : [])).compactMap({ $0 }).min() {
            wake(at: next)
        }
        // A turn of probe results (nearly every turn: one per loop turn with results) publishes only the servers it
        // decided: publishing all of them every turn cost O(servers) per probe, O(servers squared) a second.
        let probesOnly = events.allSatisfy { if case .probed = $0 { true } else { false } }
        publish(probesOnly ? decision.decided : nil)
    }

    /// Makes the weight changes of one turn; true when any failed (the reconciler retries it).
    private func apply(_ changes: [WeightChange]) -> Bool {
        var fresh: [ServiceKey: [Destination]] = [:]
        var failed = false
        for change in changes {
            guard let service = snapshot.services[change.id.service] else { continue }
            let key = change.id.service  // the snapshot keys each service by the kernel's own key
            do {
                // SET_DEST echoes every field as read, so read them now rather than trust the last discovery.
                if fresh[change.id.service] == nil { fresh[change.id.service] = try ipvs.destinations(of: key) }
                guard let destination = fresh[change.id.service]?.first(where: { $0.endpoint == change.id.server })
                else {
                    log.warning(
                        "\(change.id): gone from the kernel before its weight could be set",
                        metadata: serviceMetadata(change.id.service))
                    continue
                }
                guard Int(destination.weight) == change.from else {
                    // Someone else set the weight since drcheck last read it: theirs stands, and the next turn
                    // sees it (adopted, or an administrative drain) rather than drcheck overwriting it.
                    log.info(
                        "\(change.id): weight \(destination.weight) set by someone else, \(change.to) not written",
                        metadata: serviceMetadata(change.id.service))
                    _ = reconciler.writeFailed(change, at: now())
                    let read = KernelSnapshot.CheckedService(
                        kernel: service.kernel, destinations: fresh[change.id.service] ?? [])
                    enqueue(.kernel(change.id.service, read.weights))
                    continue
                }
                try ipvs.setWeight(Int32(change.to), of: destination, in: key)
                metrics.recordIPVSUpdate(.setWeight)
                lastChange[change.id] = Date().timeIntervalSince1970
                log.notice("\(change)", metadata: serviceMetadata(change.id.service))
            } catch {
                failed = true
                metrics.recordIPVSError(.setWeight)
                _ = reconciler.writeFailed(change, at: now())
                log.error(
                    "\(change.id): cannot set weight \(change.to): \(error); retrying",
                    metadata: serviceMetadata(change.id.service))
            }
        }
        return failed
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
            clear("state-save", "state saved to \(stateFile.path) again")
        } catch {
            raise("state-save", .error, "\(error); the decisions stand, saving is retried at the next change")
        }
    }
}
