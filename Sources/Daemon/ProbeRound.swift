import Agent
import EventLoop
import Probe

/// One probe of each check, all in parallel on a loop of their own, for the one-pass commands (`--once`,
/// `diagnose`).
enum ProbeRound {
    /// Network checks all start at once, each with its RIP probe from `atRIP` as the daemon runs them
    /// (`DRPathRunner`); commands at most `maxCommands` at a time.
    static func run<Key: Hashable>(
        _ checks: [Key: TargetCheck], atRIP: [Key: NetworkCheck] = [:], maxCommands: Int = 16
    ) throws(StartupError) -> [Key: ProbeResult] {
        guard !checks.isEmpty else { return [:] }
        let loop: EventLoop
        let engine: ProbeEngine
        do {
            loop = try EventLoop()
            engine = try ProbeEngine(loop: loop)
        } catch {
            throw .runtime("cannot start probing: \(error)")
        }
        let paired = DRPathRunner(clock: loop, engine: engine) { _, dr, rip, _ in
            DRPathVerdict.classify(dr: dr, rip: rip)
        }
        let runner = CommandRunner(loop: loop)
        var results: [Key: ProbeResult] = [:]
        var commands: [(Key, CommandCheck)] = []
        for (key, check) in checks {
            switch check {
            case .network(let check):
                do {
                    _ = try paired.start(DRPathCheck(check, atRIP: atRIP[key])) { results[key] = $0 }
                } catch {
                    results[key] = ProbeResult(.connectError, duration: .zero, detail: "\(error)")
                }
            case .command(let check): commands.append((key, check))
            }
        }
        func startCommand() {
            guard let (key, check) = commands.popLast() else { return }
            runner.start(check) { result in
                results[key] = result
                startCommand()
            }
        }
        for _ in 0..<maxCommands { startCommand() }
        // Each probe ends at its own deadline; this bound only guards against a transfer that never completes.
        let longest = checks.values.map(\.timeout).max() ?? .zero
        let rounds = (checks.count + maxCommands - 1) / maxCommands
        let giveUp = loop.now() + longest * rounds + .seconds(5)
        while results.count < checks.count, loop.now() < giveUp {
            do { try loop.runOnce(timeout: 100) } catch { throw .runtime("event loop: \(error)") }
        }
        for key in checks.keys where results[key] == nil {
            results[key] = ProbeResult(.timeout, duration: longest, detail: "no answer by the pass's deadline")
        }
        return results
    }

    /// Each target's verdict as the daemon reaches it: the configured probe, and for a DR-path probe the RIP probe
    /// that tells `dr_path` from a dead server; identical checks share one probe, as in the daemon (`ProbeSharing`).
    static func verdicts(_ targets: [ServerID: ProbeTarget], maxCommands: Int = 16) throws(StartupError)
        -> [ServerID: ProbeResult]
    {
        let sharing = ProbeSharing(targets)
        let probed = targets.filter { sharing.leader[$0.key] == nil }
        var results = try run(
            probed.mapValues(\.check), atRIP: probed.compactMapValues(\.ripCheck), maxCommands: maxCommands)
        for (sharer, leader) in sharing.leader { results[sharer] = results[leader] }
        return results
    }
}
