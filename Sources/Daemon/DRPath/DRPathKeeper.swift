import Agent
import EventLoop
import Exporter
import IPVS
import Logging
import Primitives

/// The daemon's side of the DR-path component, with its state: the probe marks, the ledger of its probe services
/// and its trust in them, and the sysctl vetting (each interface once; dr mode refused when `dr_sysctls: check`
/// finds one wrong). It makes the kernel's probe services match the DR targets at each discovery pass.
final class DRPathKeeper {
    var marks: ProbeMarks
    /// drcheck's probe services, by real server, and since when each is known to lead there.
    private(set) var ledger = ProbeServiceLedger()
    /// dr mode was refused (`dr_sysctls: check` with sysctls to fix): every check falls back to the RIP.
    private(set) var drRefused = false
    private var vettedInterfaces: Set<String> = []
    private let ipvs: IPVSControl
    private let loop: EventLoop
    private let metrics: DrcheckMetrics
    private let conditions: ConditionLog
    private let sysctls: DRSysctls

    init(
        marks range: ClosedRange<UInt32>, ipvs: IPVSControl, loop: EventLoop, metrics: DrcheckMetrics,
        conditions: ConditionLog, sysctls: DRSysctls
    ) {
        marks = ProbeMarks(range: range)
        self.ipvs = ipvs
        self.loop = loop
        self.metrics = metrics
        self.conditions = conditions
        self.sysctls = sysctls
    }

    private var log: Logger { conditions.log }

    /// Checks the sysctls of each interface DR probes leave by, once per interface. With `fix` it sets them and logs
    /// each change; without, it refuses dr mode and names the commands. True when dr mode was refused just now (the
    /// targets must be rebuilt).
    func vetSysctls(for targets: some Sequence<ProbeTarget>, fix: Bool) -> Bool {
        var commands: [String] = []
        let interfaces = DRSysctls.interfaces(of: targets).filter { vettedInterfaces.insert($0).inserted }
        for vetted in sysctls.vet(interfaces, fix: fix) {
            switch vetted {
            case .set(let finding):
                log.notice("\(finding.setText)")
            case .failed(let finding, let error):
                log.error("\(error): DR-path probes from \(finding.interface) will fail; run `\(finding.command)`")
            case .left(let finding):
                commands.append(finding.command)
            }
        }
        guard !commands.isEmpty else { return false }
        drRefused = true
        let fix = commands.joined(separator: "; ")
        log.error(
            "dr mode refused (dr_sysctls: check): DR-path probes cannot work until you run: \(fix); probing every RIP instead"
        )
        return true
    }

    /// A new config: the sysctls are vetted again.
    func vetAgain() {
        drRefused = false
        vettedInterfaces.removeAll()
    }

    /// Makes the kernel's probe services those of the DR targets, audited against the probe services `listed` this
    /// pass: one missing or leading elsewhere is made again, with a line each; one no target needs is deleted. A
    /// target whose probe service cannot be made is probed at its RIP. Throws when the table cannot be read.
    func sync(_ wanted: inout [ServerID: ProbeTarget], listed: Set<ServiceKey>) throws(IPVSError) {
        var needed: [IPAddress: UInt32] = [:]
        for path in wanted.values.compactMap(\.drPath) { needed[path.server] = path.mark }
        marks.release(keeping: Set(needed.keys))
        ledger.forget(allBut: Set(needed.keys))
        let audit = try ProbeServiceAudit(wanted: needed, listed: listed, ledger: ledger) {
            (key) throws(IPVSError) in try ipvs.destinations(of: key)
        }
        let readAt = loop.now()
        for server in audit.verified { ledger.verified(server, mark: needed[server]!, at: readAt) }
        for key in audit.delete { delete(key) }
        let repairs = audit.create.count { $0.reason != .new }
        let level = ConditionLog.lineLevel(repairs)
        // A start with thousands of servers: one summary line, the services themselves at debug.
        let news = audit.create.count - repairs
        let newLevel: Logger.Level = news > ConditionLog.logBurst ? .debug : .info
        for creation in audit.create {
            let (server, mark) = (creation.server, creation.mark)
            do {
                try ProbeServices(ipvs: ipvs).make(mark: mark, server: server)
            } catch {
                metrics.recordIPVSError(.addService)
                ledger.distrust(server)
                conditions.raise(
                    "probe-service \(server)", .error,
                    "cannot create the DR probe service for \(server): \(error); probing its RIP")
                wanted.probeRIP(of: server)
                continue
            }
            metrics.recordIPVSUpdate(.addService)
            ledger.verified(server, mark: mark, at: loop.now())
            let made = "DR probe service fwmark \(mark) -> \(server)"
            let counted = "its probes count again from the first that starts now"
            switch creation.reason {
            case .new: log.log(level: newLevel, "\(made) created")
            case .missing: log.log(level: level, "\(made) recreated: it was gone from the IPVS table; \(counted)")
            case .wrong(let elsewhere): log.log(level: level, "\(made) recreated: it led to \(elsewhere); \(counted)")
            }
        }
        conditions.summarize(
            repairs, "recreated \(repairs) DR probe services gone from the IPVS table or leading elsewhere")
        conditions.summarize(news, "created \(news) DR probe services, one a real server")
    }

    /// Deletes probe services a killed drcheck left behind (every fwmark service with a mark of `range`).
    func prune(_ range: ClosedRange<UInt32>) throws(IPVSError) {
        for (key, mark) in ProbeServices.listed(in: try ipvs.services(), marks: range) {
            do {
                try ProbeServices(ipvs: ipvs).delete(key)
                log.notice("removed stale DR probe service fwmark \(mark) left by an earlier run")
            } catch {
                log.error("cannot remove stale DR probe service fwmark \(mark): \(error)")
            }
        }
    }

    /// Deletes every probe service of the ledger (the daemon stops).
    func deleteAll() {
        for (server, entry) in ledger.entries.sorted(by: { $0.value.mark < $1.value.mark }) {
            delete(ProbeServices.key(mark: entry.mark, server: server))
        }
    }

    private func delete(_ key: ServiceKey) {
        guard case .fwmark(let mark, _) = key else { return }
        do {
            try ProbeServices(ipvs: ipvs).delete(key)
            metrics.recordIPVSUpdate(.deleteService)
        } catch {
            metrics.recordIPVSError(.deleteService)
            log.error("cannot delete DR probe service fwmark \(mark): \(error)")
        }
    }

    /// Whether a probe along `path` that began at `started` went through its probe service (`ProbeServiceLedger`).
    func trusts(_ path: DRPath, since started: Monotonic) -> Bool { ledger.trusts(path, since: started) }

    /// Reads `path`'s probe service now: whether it still leads to its server. A flush since the last discovery
    /// pass shows only here.
    func leads(_ path: DRPath) -> Bool {
        do {
            return ProbeServiceAudit.leads(try ipvs.destinations(of: path.service), to: path.server)
        } catch {
            metrics.recordIPVSError(.read)
            return false
        }
    }

    /// After an IPVS error, or a probe service found gone: no probe service is trusted until read or made again.
    func distrustAll() { ledger.distrustAll() }
}
