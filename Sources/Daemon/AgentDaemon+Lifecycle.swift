import Agent
import FoundationEssentials
import Glibc

extension AgentDaemon {
    func handleSignals() throws(StartupError) {
        // A scrape client or probe peer that goes away must not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        do {
            // SIGUSR1: `drcheck drain` or `undrain` changed the drains file.
            try loop.handleSignals([SIGHUP, SIGTERM, SIGINT, SIGUSR1]) { [unowned self] signal in
                switch signal {
                case SIGHUP: reload()
                case SIGUSR1: readDrains(force: true)
                default: stop(signal)
                }
            }
        } catch {
            throw .runtime("cannot handle signals: \(error)")
        }
    }

    /// SIGHUP: a new config takes effect at once; a bad one keeps the running config and says why.
    func reload() {
        notifier.notify("RELOADING=1")
        defer { notifier.notify("READY=1") }
        let wall = Date().timeIntervalSince1970
        let fresh: LoadedConfig
        do {
            fresh = try StartupSteps.loadConfig(options)
        } catch {
            running.refuse()
            metrics.recordConfigLoad(succeeded: false, at: wall)
            log.error("reload refused, the running config goes on: \(error)")
            return
        }
        for warning in running.take(fresh, at: wall) { log.warning("\(warning)") }
        let config = running.config
        metrics.recordConfigLoad(succeeded: true, at: wall)
        drKeeper.vetAgain()
        selectMetrics(config.metrics)
        turns.enqueue(.configChanged(config))
        limitProbesInFlight()
        log.notice("reloaded \(describe(fresh.source))")
        arp.start(running.config)
        peers.configure(config.peers)
        fleet.configure(config.fleet)
        discover()
    }

    /// SIGTERM/SIGINT: probe services removed, state flushed, weights left as they are.
    func stop(_ signal: Int32) {
        notifier.notify("STOPPING=1")
        log.notice("stopping on signal \(signal): weights stay as they are")
        drKeeper.deleteAll()
        saveState()
        arp.stop()
        server?.close()
        lock.release()
        loop.stop()
    }

    func keepWatchdogFed(every period: Duration) {
        notifier.notify("WATCHDOG=1")
        loop.schedule(after: period) { [weak self] in self?.keepWatchdogFed(every: period) }
    }
}
