import EventLoop
import Probe

/// One probe of each check, all in parallel on a loop of their own, for the one-pass commands (`--once`,
/// `diagnose`).
enum ProbeRound {
    static func run<Key: Hashable>(_ checks: [Key: HTTPCheck]) throws(StartupError) -> [Key: ProbeResult] {
        guard !checks.isEmpty else { return [:] }
        let loop: EventLoop
        let engine: ProbeEngine
        do {
            loop = try EventLoop()
            engine = try ProbeEngine(loop: loop)
        } catch {
            throw .runtime("cannot start probing: \(error)")
        }
        var results: [Key: ProbeResult] = [:]
        for (key, check) in checks {
            do {
                try engine.start(check) { results[key] = $0 }
            } catch {
                results[key] = ProbeResult(.connectError, duration: .zero, detail: "\(error)")
            }
        }
        // Each probe ends at its own deadline; this bound only guards against a transfer that never completes.
        let longest = checks.values.map(\.timeout).max() ?? .zero
        let giveUp = loop.now() + longest + .seconds(5)
        while results.count < checks.count, loop.now() < giveUp {
            do { try loop.runOnce(timeout: 100) } catch { throw .runtime("event loop: \(error)") }
        }
        for key in checks.keys where results[key] == nil {
            results[key] = ProbeResult(.timeout, duration: longest, detail: "no answer by the pass's deadline")
        }
        return results
    }

    /// Each target's verdict as the daemon reaches it: the configured probe, and for a failed DR-path probe the
    /// RIP probe that tells `dr_path` from a dead server.
    static func verdicts<Key: Hashable>(_ targets: [Key: ProbeTarget]) throws(StartupError) -> [Key: ProbeResult] {
        var results = try run(targets.mapValues(\.check))
        let followUps = targets.compactMapValues { target in target.ripCheck }.filter { results[$0.key]?.isOK == false }
        for (key, rip) in try run(followUps) {
            results[key] = DRPathVerdict.classify(dr: results[key]!, rip: rip)
        }
        return results
    }
}
