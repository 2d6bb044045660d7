import EventLoop
import FoundationEssentials
import Glibc
import Primitives
import Probe

/// The hidden `drcheck probe --bench FILE`: every check on the scheduler for a while, then the figures the probe
/// benchmark prints (Checks/bench/probe-bench.sh): probes per CPU-second, lateness of starts, memory.
struct ProbeBenchmark {
    var checks: [NetworkCheck]
    var interval: Duration
    var length: Duration

    func run() throws {
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        var lateness: [Duration] = []
        var classes: [ProbeClass: Int] = [:]
        let scheduler = LoopProbeScheduler<Int>(clock: loop, runner: engine) { record in
            lateness.append(record.lateness)
            classes[record.result.probeClass, default: 0] += 1
        }
        let cpuBefore = Self.cpuTime()
        let waitBefore = Self.runQueueWait()
        let start = loop.now()
        for (key, check) in checks.enumerated() { scheduler.set(key, check: check, interval: interval) }
        loop.schedule(after: length) { loop.stop() }
        try loop.run()
        let (user, system) = Self.cpuTime() - cpuBefore
        let waited = Self.runQueueWait() - waitBefore
        let wall = (loop.now() - start).seconds
        let cpu = user + system
        lateness.sort()
        let summary = ProbeClass.allCases.compactMap { name in classes[name].map { "\(name.rawValue) \($0)" } }
        print("targets \(checks.count), interval \(interval.formatted3), ran \(wall.fixed(1))s")
        print("probes \(lateness.count) (\(summary.joined(separator: ", "))), skipped rounds \(scheduler.skipped)")
        print("probes/s \((Double(lateness.count) / wall).fixed(1))")
        print(
            "cpu \(cpu.fixed(2))s (user \(user.fixed(2))s, sys \(system.fixed(2))s, \((100 * cpu / wall).fixed(0))% of one "
                + "core): \((Double(lateness.count) / cpu).fixed(0)) probes per CPU-second, "
                + "\((1000 * cpu / Double(max(lateness.count, 1))).fixed(3)) ms CPU per probe")
        print("runnable but waiting for a CPU (other load on the machine): \(waited.fixed(2))s")
        print(
            "lateness of probe starts: p50 \(Self.milliseconds(lateness, 0.50)), "
                + "p99 \(Self.milliseconds(lateness, 0.99)), max \(Self.milliseconds(lateness, 1))")
        print("rss \(Self.memory("VmRSS")) (peak \(Self.memory("VmHWM")))")
    }

    private static func milliseconds(_ sorted: [Duration], _ quantile: Double) -> String {
        guard !sorted.isEmpty else { return "-" }
        let value = sorted[min(sorted.count - 1, Int(quantile * Double(sorted.count)))]
        return "\((value.seconds * 1000).fixed(3)) ms"
    }

    private static func cpuTime() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// Seconds the main thread spent runnable but not running (the second field of /proc/thread-self/schedstat).
    private static func runQueueWait() -> Double {
        let text = (try? String(contentsOfFile: "/proc/thread-self/schedstat", encoding: .utf8)) ?? ""
        return (text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0) / 1e9
    }

    /// A "Vm…" line of /proc/self/status, in MiB.
    private static func memory(_ field: String) -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        let kib = line?.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return "\((kib / 1024).fixed(1)) MiB"
    }
}

private func - (a: (user: Double, system: Double), b: (user: Double, system: Double)) -> (Double, Double) {
    (a.user - b.user, a.system - b.system)
}
