import Agent
import EventLoop
import FoundationEssentials
import Glibc
import IPVS
import Primitives
import Storage

/// `drcheck drain` and `drcheck undrain`: an operator's drain written to the drains file (with why, who and when),
/// the running daemon told at once (SIGUSR1; without one the next start or `--once` reads the file), and for a drain
/// the weight set to 0 now. `--wait` then follows the destination's connections until none is left.
public struct DrainRun {
    public enum Action: Sendable {
        case drain(reason: String, wait: Duration?)
        case undrain
    }

    let options: DaemonOptions
    let action: Action

    public init(options: DaemonOptions, action: Action) {
        self.options = options
        self.action = action
    }

    /// 0 done (drained and, with `wait`, empty), 1 connections left at the timeout, 2 usage or bad input (nothing
    /// changed), 3 IPVS unreachable.
    public func run(service: String, server: String) -> Int32 {
        do {
            return try execute(service: service, server: server)
        } catch {
            printError("drcheck: \(error.description)")
            return error.exitStatus
        }
    }

    private func execute(service name: String, server text: String) throws(StartupError) -> Int32 {
        let config = try StartupSteps.loadConfig(options).config
        let ipvs = try StartupSteps.connectIPVS()
        let snapshot: KernelSnapshot
        do {
            snapshot = try KernelSnapshot.read(ipvs, config: config)
        } catch {
            throw .ipvs(error.description)
        }
        let (id, kernelKey) = try DrainTarget.resolve(service: name, server: text, in: snapshot, config: config)
        let server = "\(config.label(of: id.service)) \(id.server)"
        let file = DrainsFile(forState: config.stateFile)
        let daemon = Self.daemonPid(config.stateFile)
        switch action {
        case .drain(let reason, let wait):
            let note = DrainNote(reason: reason, by: Self.user(), at: Date().timeIntervalSince1970)
            try update(file) { $0[id] = note }
            if let daemon { kill(daemon, SIGUSR1) }
            try setZero(id, in: kernelKey, ipvs: ipvs, daemonRuns: daemon != nil)
            print("\(server): drained (weight 0) by \(note.by): \(reason.isEmpty ? "no reason given" : reason)")
            guard let wait else { return 0 }
            return try ConnectionWait(ipvs: ipvs, service: kernelKey, server: id.server).run(timeout: wait)
        case .undrain:
            try update(file) { drains throws(StartupError) in
                guard drains.removeValue(forKey: id) != nil else {
                    throw .config(
                        "\(server) is not drained with drcheck drain (a weight 0 set with ipvsadm ends with ipvsadm)")
                }
            }
            if let daemon { kill(daemon, SIGUSR1) }
            let when = daemon != nil ? "" : " at the next drcheck --once or daemon start"
            print("\(server): undrained, back to its checks: restored once they pass\(when)")
            return 0
        }
    }

    private func update(
        _ file: DrainsFile, _ change: (inout [ServerID: DrainNote]) throws(StartupError) -> Void
    ) throws(StartupError) {
        do {
            _ = try file.update(change)
        } catch let error as StartupError {
            throw error
        } catch {
            throw .runtime("\(error)")
        }
    }

    /// The drain's weight 0, written here unless the daemon has written it within 3 s of being told.
    private func setZero(_ id: ServerID, in key: ServiceKey, ipvs: IPVSControl, daemonRuns: Bool) throws(StartupError) {
        let deadline = Monotonic.now() + .seconds(daemonRuns ? 3 : 0)
        while true {
            let destination = try DrainTarget.destination(id.server, in: key, ipvs: ipvs)
            if destination.weight == 0 { return }
            if Monotonic.now() >= deadline {
                do {
                    try ipvs.setWeight(0, of: destination, in: key)
                } catch {
                    throw .ipvs("\(error)")
                }
                return
            }
            usleep(100_000)
        }
    }

    /// The daemon holding the state lock, if one runs.
    private static func daemonPid(_ statePath: String) -> pid_t? {
        guard case .heldBy(let pid)? = try? StateLock.acquire(forState: statePath) else { return nil }
        return pid
    }

    /// Who asked: the user behind sudo, else the user running drcheck.
    static func user() -> String {
        if let sudo = getenv("SUDO_USER"), sudo.pointee != 0 { return String(cString: sudo) }
        guard let entry = getpwuid(geteuid()) else { return "uid \(geteuid())" }
        return String(cString: entry.pointee.pw_name)
    }
}
