import Agent
import EventLoop
import IPVS
import Primitives
import Probe

extension AgentDaemon {
    /// The table could not be read: said once until it can.
    func ipvsReadFailed(_ error: IPVSError) {
        metrics.recordIPVSError(.read)
        conditions.raise("ipvs-read", .error, "cannot read the IPVS table: \(error)")
        distrustProbeServices()
    }

    /// After an IPVS error, or a probe service found gone, the table may have been flushed or rewritten: no probe
    /// service is trusted until read or made again, by a pass a second from now rather than a discovery_interval.
    func distrustProbeServices() {
        drKeeper.distrustAll()
        discoverSoon()
    }

    /// Reads `path`'s probe service now: whether it still leads to its server; when not, none is trusted.
    func probeServiceLeads(_ path: DRPath) -> Bool {
        if drKeeper.leads(path) { return true }
        distrustProbeServices()
        return false
    }

    /// A probe whose probe service was not verified while it ran may have gone anywhere: it counts neither way.
    func offPath(_ result: ProbeResult, for id: ServerID) -> ProbeVerdict {
        metrics.recordDiscounted(.probeService)
        log.debug("\(id): not counted, its DR probe service was not verified in the IPVS table while it ran")
        return .inconclusive(result.probeClass.rawValue)
    }

    /// A discovery pass a second from now, beyond the periodic ones: soon enough for the next probes, and while
    /// IPVS stays unreadable at most one a second however many probes and passes ask.
    func discoverSoon() {
        guard !discoveryDue else { return }
        discoveryDue = true
        loop.schedule(after: .seconds(1)) { [weak self] in
            self?.discoveryDue = false
            self?.discover()
        }
    }
}
