import Agent
import EventLoop
import IPVS
import Primitives
import Probe
import Storage

/// `drcheck diagnose`: one pass of every DR sanity check, a readable report per service and real server, exit 0
/// when all is well and 1 otherwise. It changes no weight and no sysctl; holding the state lock it makes its own
/// DR probe services for the pass and removes them, with a daemon running it borrows the daemon's.
public struct Diagnosis {
    public static func run(options: DaemonOptions) -> Int32 {
        do {
            let loaded = try StartupSteps.loadConfig(options)
            let ipvs = try StartupSteps.connectIPVS()
            let report = try Diagnosis(config: loaded.config, ipvs: ipvs).examine()
            print(report.text, terminator: "")
            return report.problems == 0 ? 0 : 1
        } catch {
            printError("drcheck: \(error.description)")
            return error.exitStatus
        }
    }

    let config: Config
    let ipvs: IPVSControl

    func examine() throws(StartupError) -> DiagnosisReport {
        var report = DiagnosisReport()
        let existing: [IPVS.Service]
        let snapshot: KernelSnapshot
        do {
            let info = try ipvs.info()
            existing = try ipvs.services()
            snapshot = try KernelSnapshot.read(ipvs, config: config)
            let servers = snapshot.services.values.map(\.destinations.count).reduce(0, +)
            report.heading("director")
            report.pass(
                "IPVS \(info.versionText) reachable: \(snapshot.services.count) checked service(s), "
                    + "\(servers) real server(s)")
        } catch {
            throw .ipvs(error.description)
        }
        var lock: StateLock?
        if case .acquired(let taken) = try StartupSteps.lockState(config.stateFile) { lock = taken }
        defer { lock?.release() }
        var plan = OncePlan(config: config, snapshot: snapshot, acting: lock != nil, ipvs: ipvs)
        plan.adoptDaemonProbeServices(existing)
        var notes: [String] = []
        let targets = plan.targets(notes: &notes, fixSysctls: false)
        defer { plan.removeCreatedProbeServices() }
        for finding in plan.sysctlFindings {
            report.fail(
                "\(finding.key) is \(finding.current): replies from the VIP are dropped, so DR-path probes cannot work",
                fix: finding.command)
        }
        if plan.sysctlFindings.isEmpty, targets.values.contains(where: { $0.drPath != nil }) {
            report.pass("sysctls toward the real servers allow DR-path probes (accept_local, rp_filter)")
        }
        limits(targets.values, into: &report)
        let conflicts = arp(snapshot)
        let viaVIP = try ProbeRound.run(targets.compactMapValues { $0.drPath == nil ? nil : $0.check })
        let atRIP = try ProbeRound.run(targets.mapValues { $0.ripCheck.map(TargetCheck.network) ?? $0.check })
        // Read as the daemon reads them: a discovered service whose servers answer in another protocol than HTTP is
        // judged by its connections.
        let (vipVerdicts, vipNotes) = ServiceProtocols.verdicts(viaVIP, targets: targets)
        let (ripVerdicts, ripNotes) = ServiceProtocols.verdicts(atRIP, targets: targets)
        for note in Set(vipNotes + ripNotes).sorted() { report.note(note) }
        // One pass is as many `dr_path` results as it takes; a lone DR-path server failing is that server's fault.
        let evidence = viaVIP.keys.map { id in
            DirectorFaultRule.Evidence(
                drPathInARow: vipVerdicts[id]?.failed == true && ripVerdicts[id]?.passed == true ? 1 : 0, needed: 1,
                lastPassed: vipVerdicts[id]?.passed == true)
        }
        if let own = evidence.first,
            DirectorFaultRule.judge(own, others: Array(evidence.dropFirst()), minimum: 2) == .director
        {
            report.fail(
                "every DR-path probe fails while every real server answers on its RIP: the fault is the director's",
                fix: "check the route to the VIP, firewall marks and the probe services (ipvsadm -Ln)")
        }
        let peers = try peerViews(into: &report)
        for (key, service) in snapshot.services.sorted(by: { $0.key < $1.key }) {
            let label = config.label(of: key)
            report.heading("service \(label) (\(key))")
            for conflict in conflicts where conflict.vip == service.kernel.key.vip?.address {
                let server = conflict.realServer.map { "on \($0): " } ?? "on the host with MAC \(conflict.mac): "
                report.fail(
                    "\(conflict)",
                    fix: server + "sysctl -w net.ipv4.conf.<its client-side interface>.arp_ignore=1 "
                        + "net.ipv4.conf.<that interface>.arp_announce=2")
            }
            for destination in service.destinations.sorted(by: { $0.endpoint < $1.endpoint }) {
                let id = ServerID(service: key, server: destination.endpoint)
                report.server(id.server.description, weight: Int(destination.weight))
                examine(
                    id, destination: destination, vip: viaVIP[id].map { ($0, vipVerdicts[id]) },
                    rip: atRIP[id].map { ($0, ripVerdicts[id]) }, into: &report)
                let failedHere = [vipVerdicts[id], ripVerdicts[id]].contains { $0?.failed == true }
                compare(id, failedHere: failedHere, with: peers, into: &report)
            }
        }
        for note in notes where note.contains("not probed") { report.fail(note, fix: nil) }
        report.summary()
        return report
    }

    /// `peers`: each peer's verdicts now (a peer that cannot be read is said in the report and left out).
    private func peerViews(into report: inout DiagnosisReport) throws(StartupError) -> [String: [ServerID: Bool]] {
        guard !config.peers.isEmpty else { return [:] }
        var requests: [String: TargetCheck] = [:]
        for peer in config.peers { requests[peer.description] = PeerWatch.request(peer).map(TargetCheck.network) }
        let answers = try ProbeRound.run(requests)
        report.heading("peers")
        var views: [String: [ServerID: Bool]] = [:]
        for peer in config.peers.map(\.description) {
            guard let answer = answers[peer] else { continue }
            do {
                let view = try PeerWatch.verdicts(answer)
                views[peer] = view
                report.pass("peer \(peer): \(view.count) verdict(s) read")
            } catch {
                let why = answer.isOK ? "\(error)" : "\(answer)"
                report.note("peer \(peer): its verdicts cannot be read (\(why)); not compared")
            }
        }
        return views
    }

    /// Where a failure is seen: here only (this director's path, with what it checked above) or at every director
    /// read (the server); and a server this director passes that a peer fails.
    private func compare(
        _ id: ServerID, failedHere: Bool, with peers: [String: [ServerID: Bool]], into report: inout DiagnosisReport
    ) {
        let seen = peers.compactMap { peer, view in view[id].map { (peer, $0) } }.sorted { $0.0 < $1.0 }
        let upThere = seen.filter(\.1).map(\.0).joined(separator: ", ")
        let downThere = seen.filter { !$0.1 }.map(\.0).joined(separator: ", ")
        if failedHere, !upThere.isEmpty {
            report.fail(
                "fails from this director only (up at peer \(upThere)): this director's path to it, as the probes "
                    + "above show",
                fix: "look at this director's route, neighbour entry and firewall toward \(id.server.address)")
        } else if failedHere, !downThere.isEmpty {
            report.note("fails from every director read (down at peer \(downThere) too): the server")
        } else if !failedHere, !downThere.isEmpty {
            report.note("passes here, fails at peer \(downThere): that director's path to it (drcheck diagnose there)")
        }
    }

    /// The director's own limits against what the table asks of them (OPERATIONS.md "The director's limits").
    private func limits(_ targets: some Collection<ProbeTarget>, into report: inout DiagnosisReport) {
        let budget = DescriptorBudget.raise()
        let load = DirectorLoad(
            targets: targets, interfaces: DirectorInterfaces.current(),
            maxProbesInFlight: budget.probesInFlight(configured: config.maxProbesInFlight),
            configured: config.maxProbesInFlight)
        var limits = KernelTables(root: "/proc/sys").limits()
        limits.openFiles = budget.limit
        for finding in limits.findings(for: load) {
            switch finding.severity {
            case .exceeded: report.fail(finding.text, fix: finding.fix)
            case .near: report.note(finding.text + (finding.fix.map { "; fix: \($0)" } ?? ""))
            case .within: report.pass(finding.text)
            }
        }
    }

    /// Reports a server's probes, each with its verdict as the daemon would reach it.
    private func examine(
        _ id: ServerID, destination: Destination, vip: (ProbeResult, ProbeVerdict?)?,
        rip: (ProbeResult, ProbeVerdict?)?, into report: inout DiagnosisReport
    ) {
        if let (vip, verdict) = vip {
            if verdict?.passed == true {
                report.pass("through the VIP (DR path): \(vip)")
            } else if case .inconclusive = verdict {
                report.note("through the VIP (DR path): \(vip): says nothing of the server")
            } else if rip?.1?.passed == true {
                report.fail(
                    "through the VIP (DR path): \(vip); it \(DRPathVerdict.explanation)",
                    fix: "on \(destination.address): ip addr add <VIP>/32 dev lo, and check its firewall")
            } else {
                report.fail("through the VIP (DR path): \(vip)", fix: nil)
            }
        } else if destination.forwarding == .route {
            report.note("through the VIP: not probed (see above)")
        }
        if let (rip, verdict) = rip {
            if verdict?.passed == true {
                report.pass("at its own address: \(rip)")
            } else if case .inconclusive = verdict {
                report.note("at its own address: \(rip): says nothing of the server")
            } else {
                report.fail(
                    "at its own address: \(rip)", fix: "the server itself fails its check: look at its HTTP service")
            }
        }
    }

    /// One ARP-watch round on a loop of its own.
    private func arp(_ snapshot: KernelSnapshot) -> [ARPConflict] {
        let subjects = snapshot.arpSubjects(DirectorInterfaces.current())
        guard config.arpWatch > .zero, !subjects.isEmpty, let loop = try? EventLoop() else { return [] }
        var conflicts: [ARPConflict]?
        var problem: String?
        let watch = ARPWatch(
            loop: loop, period: .seconds(2), onRound: { conflicts = $0 }, onError: { problem = $0 })
        watch.update(subjects)
        let giveUp = loop.now() + .seconds(3)
        while conflicts == nil, loop.now() < giveUp { try? loop.runOnce(timeout: 100) }
        watch.stop()
        if let problem { printError("drcheck: \(problem)") }
        return conflicts ?? []
    }
}

/// The report `drcheck diagnose` prints: headings, then `ok`/`FAIL` lines with the fix under each failure.
struct DiagnosisReport {
    private(set) var text = ""
    private(set) var problems = 0

    mutating func heading(_ title: String) { text += "\n\(title)\n" }
    mutating func server(_ address: String, weight: Int) { text += "  real server \(address), weight \(weight)\n" }
    mutating func pass(_ line: String) { text += "    ok    \(line)\n" }
    mutating func note(_ line: String) { text += "    --    \(line)\n" }

    mutating func fail(_ line: String, fix: String?) {
        problems += 1
        text += "    FAIL  \(line)\n"
        if let fix { text += "          fix: \(fix)\n" }
    }

    mutating func summary() {
        text += problems == 0 ? "\nall is well\n" : "\n\(problems) problem(s) found\n"
    }
}
