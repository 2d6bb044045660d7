import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Probe
import Storage

extension AgentDaemon where Engine == ProbeEngine {
    /// Loads the config, connects to IPVS, takes the state lock, listens, prunes stale probe services and makes
    /// the first discovery. Errors carry the exit status README.md documents.
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
        let budget = DescriptorBudget.raise()
        let engine: ProbeEngine
        do {
            engine = try ProbeEngine(loop: loop)
        } catch {
            throw .runtime("cannot start probing: \(error)")
        }
        let daemon = AgentDaemon(
            loop: loop, ipvs: ipvs, engine: engine, host: .live, options: options, loaded: loaded, lock: lock,
            log: log, environment: environment, budget: budget)
        try daemon.launch(listen: listen, environment: environment)
        return daemon
    }
}

extension AgentDaemon {
    /// What a daemon does once made, the same under test as in production: listens on `listen`, prunes stale
    /// probe services, takes its signals and makes the first discovery.
    func launch(listen: ListenAddress, environment: [String: String]) throws(StartupError) {
        limitProbesInFlight()
        selectMetrics(running.config.metrics)
        do {
            server = try MetricsServer(
                loop: loop, address: listen, endpoints: endpoints, onExhausted: metrics.recordDescriptorsExhausted)
        } catch {
            throw .runtime(error.description)
        }
        try pruneProbeServices()
        try handleSignals()
        let dryRun = options.dryRun ? ", dry run: no weight will be written" : ""
        log.notice(
            "drcheck \(DrcheckVersion.current) started: \(describe(running.loaded.source)), listening on \(listen)\(dryRun)"
        )
        arp.start(running.config)
        peers.configure(running.config.peers)
        fleet.configure(running.config.fleet)
        discoverPeriodically()
        watchDirectorFaults()
        if let period = SystemdNotifier.watchdogInterval(environment: environment) {
            keepWatchdogFed(every: period)
        }
    }
}
