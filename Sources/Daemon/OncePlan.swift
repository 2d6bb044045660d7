import Agent
import IPVS
import Primitives

/// What `--once` probes, and the DR probe services it needs. Holding the state lock, it owns the reserved marks:
/// it removes stale probe services, creates its own and deletes them afterwards. With a daemon running, it borrows
/// the daemon's probe services and creates none.
struct OncePlan {
    let config: Config
    let snapshot: KernelSnapshot
    let acting: Bool
    let ipvs: IPVSControl
    private var marks: ProbeMarks
    private var borrowed: Set<IPAddress> = []
    private var created: [(server: IPAddress, mark: UInt32)] = []
    /// The sysctls that made dr mode be refused (left as they are).
    private(set) var sysctlFindings: [DRSysctls.Finding] = []

    init(config: Config, snapshot: KernelSnapshot, acting: Bool, ipvs: IPVSControl) {
        self.config = config
        self.snapshot = snapshot
        self.acting = acting
        self.ipvs = ipvs
        marks = ProbeMarks(range: config.probeMarks)
    }

    /// With a daemon running: use its probe services. Otherwise: any probe service is a stale one, removed.
    mutating func adoptDaemonProbeServices(_ services: [IPVS.Service]) {
        for (key, mark) in ProbeServices.listed(in: services, marks: config.probeMarks) {
            if acting {
                try? ProbeServices(ipvs: ipvs).delete(key)
            } else if let destinations = try? ipvs.destinations(of: key), destinations.count == 1 {
                marks.adopt(mark, for: destinations[0].address)
                borrowed.insert(destinations[0].address)
            }
        }
    }

    /// The targets; DR sysctls are set first when `fixSysctls` (and this pass acts, and the config says `fix`).
    mutating func targets(notes: inout [String], fixSysctls: Bool = true) -> [ServerID: ProbeTarget] {
        let interfaces = DirectorInterfaces.current()
        var refused = false
        var result = build(interfaces, refused: false, notes: &notes)
        let fix = fixSysctls && acting && config.drSysctls == .fix
        for vetted in DRSysctls().vet(DRSysctls.interfaces(of: result.values), fix: fix) {
            switch vetted {
            case .set(let finding):
                notes.append(finding.setText)
            case .failed(let finding, _), .left(let finding):
                refused = true
                sysctlFindings.append(finding)
                notes.append("dr mode refused until you run: \(finding.command)")
            }
        }
        if refused {
            result = build(interfaces, refused: true, notes: &notes)
        }
        if fix {
            let load = DirectorLoad(targets: result.values, interfaces: interfaces, maxProbesInFlight: 0, configured: 0)
            let kernel = KernelTables(root: "/proc/sys")
            notes += DRSysctls().raiseNeighbourThresholds(load, kernel.limits()).map(\.text)
        }
        for (id, target) in result {
            guard let path = target.drPath, !borrowed.contains(path.server) else { continue }
            if acting, created.contains(where: { $0.server == path.server }) { continue }
            if acting, (try? ProbeServices(ipvs: ipvs).make(mark: path.mark, server: path.server)) != nil {
                created.append((path.server, path.mark))
                continue
            }
            notes.append("\(id): no DR probe service for \(path.server); probed at its RIP")
            result[id]?.probeRIP()
        }
        return result
    }

    private mutating func build(
        _ interfaces: DirectorInterfaces, refused: Bool, notes: inout [String]
    ) -> [ServerID: ProbeTarget] {
        let builder = TargetBuilder(config: config, interfaces: interfaces, drRefused: refused)
        let (targets, targetNotes) = builder.targets(for: snapshot, marks: &marks)
        notes += targetNotes.sorted { $0.key < $1.key }.map(\.value)
        return targets
    }

    func removeCreatedProbeServices() {
        for (server, mark) in created {
            try? ProbeServices(ipvs: ipvs).delete(ProbeServices.key(mark: mark, server: server))
        }
    }
}
