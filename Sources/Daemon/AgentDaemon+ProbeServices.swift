import Agent
import EventLoop
import IPVS
import Primitives
import Probe

extension AgentDaemon {
    /// Makes the kernel's probe services those of the DR targets, audited against the listing this pass read: one
    /// missing or leading elsewhere is made again, with a line each; one no target needs is deleted. A target whose
    /// probe service cannot be made is probed at its RIP.
    func syncProbeServices(_ wanted: inout [ServerID: ProbeTarget]) {
        var needed: [IPAddress: UInt32] = [:]
        for path in wanted.values.compactMap(\.drPath) { needed[path.server] = path.mark }
        marks.release(keeping: Set(needed.keys))
        probeServices.forget(allBut: Set(needed.keys))
        let audit: ProbeServiceAudit
        do {
            audit = try ProbeServiceAudit(wanted: needed, listed: snapshot.probeServices, ledger: probeServices) {
                (key) throws(IPVSError) in try ipvs.destinations(of: key)
            }
        } catch {
            return ipvsReadFailed(error)
        }
        let readAt = loop.now()
        for server in audit.verified { probeServices.verified(server, mark: needed[server]!, at: readAt) }
        for key in audit.delete { deleteProbeService(key) }
        let repairs = audit.create.count { $0.reason != .new }
        let level = ConditionLog.lineLevel(repairs)
        for creation in audit.create {
            let (server, mark) = (creation.server, creation.mark)
            do {
                try ProbeServices(ipvs: ipvs).make(mark: mark, server: server)
            } catch {
                metrics.recordIPVSError(.addService)
                probeServices.distrust(server)
                conditions.raise(
                    "probe-service \(server)", .error,
                    "cannot create the DR probe service for \(server): \(error); probing its RIP")
                wanted.probeRIP(of: server)
                continue
            }
            metrics.recordIPVSUpdate(.addService)
            probeServices.verified(server, mark: mark, at: loop.now())
            let made = "DR probe service fwmark \(mark) -> \(server)"
            let counted = "its probes count again from the first that starts now"
            switch creation.reason {
            case .new: log.info("\(made) created")
            case .missing: log.log(level: level, "\(made) recreated: it was gone from the IPVS table; \(counted)")
            case .wrong(let elsewhere): log.log(level: level, "\(made) recreated: it led to \(elsewhere); \(counted)")
            }
        }
        conditions.summarize(
            repairs, "recreated \(repairs) DR probe services gone from the IPVS table or leading elsewhere")
    }

    func deleteProbeService(_ key: ServiceKey) {
        guard case .fwmark(let mark, _) = key else { return }
        do {
            try ProbeServices(ipvs: ipvs).delete(key)
            metrics.recordIPVSUpdate(.deleteService)
        } catch {
            metrics.recordIPVSError(.deleteService)
            log.error("cannot delete DR probe service fwmark \(mark): \(error)")
        }
    }

    /// The table could not be read: said once until it can.
    func ipvsReadFailed(_ error: IPVSError) {
        metrics.recordIPVSError(.read)
        conditions.raise("ipvs-read", .error, "cannot read the IPVS table: \(error)")
        distrustProbeServices()
    }

    /// After an IPVS error, or a probe service found gone, the table may have been flushed or rewritten: no probe
    /// service is trusted until read or made again, by a pass a second from now rather than a discovery_interval.
    func distrustProbeServices() {
        probeServices.distrustAll()
        discoverSoon()
    }

    /// Reads `path`'s probe service now: whether it still leads to its server. A flush since the last discovery
    /// pass shows only here.
    func probeServiceLeads(_ path: DRPath) -> Bool {
        do {
            if ProbeServiceAudit.leads(try ipvs.destinations(of: path.service), to: path.server) { return true }
        } catch {
            metrics.recordIPVSError(.read)
        }
        distrustProbeServices()
        return false
    }

    /// A probe whose probe service was not verified while it ran may have gone anywhere: it counts neither way.
    func offPath(_ result: Probe.ProbeResult, for id: ServerID) -> Agent.ProbeResult {
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
