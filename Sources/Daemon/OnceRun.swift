import Agent
import EventLoop
import IPVS
import Primitives
import Probe
import Storage

/// `drcheck --once`: one probe of every server, rise/fall with the state file's counters, weights set, a report,
/// and the exit status of OPERATIONS.md "Cron instead of the daemon". With a live daemon (it holds the state lock)
/// it probes and reports but changes nothing.
public struct OnceRun {
    let options: DaemonOptions
    let loaded: LoadedConfig
    let ipvs: IPVSControl

    public static func run(options: DaemonOptions) -> Int32 {
        do {
            let loaded = try StartupSteps.loadConfig(options)
            let ipvs = try StartupSteps.connectIPVS()
            return try OnceRun(options: options, loaded: loaded, ipvs: ipvs).execute()
        } catch {
            printError("drcheck: \(error.description)")
            return error.exitStatus
        }
    }

    func execute() throws(StartupError) -> Int32 {
        let config = loaded.config
        let snapshot: KernelSnapshot
        let existing: [IPVS.Service]
        do {
            existing = try ipvs.services()
            snapshot = try KernelSnapshot.read(ipvs, config: config)
        } catch {
            throw .ipvs(error.description)
        }
        var notes = snapshot.otherFamilyOnly.sorted { $0.key < $1.key }.map(\.value)
        var daemonPid: Int32?
        var lock: StateLock?
        switch try StartupSteps.lockState(config.stateFile) {
        case .acquired(let taken): lock = taken
        case .heldBy(let pid):
            daemonPid = pid ?? 0
            notes.append(
                "a drcheck daemon\(pid.map { " (pid \($0))" } ?? "") is running: probed only, no weight changed")
        }
        defer { lock?.release() }
        let acting = lock != nil && !options.dryRun
        let (state, warning) = StateFile(path: config.stateFile).load()
        if let warning { notes.append(warning) }

        var plan = OncePlan(config: config, snapshot: snapshot, acting: lock != nil, ipvs: ipvs)
        plan.adoptDaemonProbeServices(existing)
        let targets = plan.targets(notes: &notes)
        let results = try ProbeRound.verdicts(targets, maxCommands: config.maxCommandsInFlight)
        plan.removeCreatedProbeServices()
        let (verdicts, protocolNotes) = ServiceProtocols.verdicts(results, targets: targets)
        notes += protocolNotes

        let kernel = snapshot.services.mapValues(\.weights)
        var drains: [ServerID: DrainNote]?
        do {
            drains = try DrainsFile(forState: config.stateFile).load()
        } catch {
            notes.append("\(error); the drains stay as the state file has them")
        }
        let outcome = OncePass.run(
            config: config, state: state, kernel: kernel, probes: verdicts,
            drains: drains, dryRun: !acting)
        var exitStatus = outcome.exitStatus
        var applied: [WeightChange] = []
        var failures: [String] = []
        var writer = WeightWriter(ipvs: ipvs)
        for change in outcome.changes {
            let key = change.id.service
            do {
                switch try writer.write(change) {
                case .written: applied.append(change)
                case .setByOther:
                    failures.append("\(change.id): weight set by someone else during the pass, \(change.to) not set")
                case .gone:
                    let gone = IPVSError.destinationGone(key, change.id.server.address, port: change.id.server.port)
                    failures.append("\(change.id): cannot set weight \(change.to): \(gone)")
                }
            } catch {
                failures.append("\(change.id): cannot set weight \(change.to): \(error)")
            }
        }
        if acting, failures.isEmpty {
            do { try StateFile(path: config.stateFile).save(outcome.state) } catch { failures.append("\(error)") }
        }
        if !failures.isEmpty { exitStatus = max(exitStatus, 1) }
        let report = OnceReport(
            outcome: outcome, results: results, applied: applied,
            wouldChange: outcome.wouldChange, notes: notes, failures: failures, daemonPid: daemonPid,
            exitStatus: exitStatus)
        print(options.json ? report.json() : report.table(), terminator: "")
        return exitStatus
    }
}
