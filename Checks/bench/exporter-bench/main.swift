// Fills the metrics registry and the status document with N synthetic real servers (every family populated),
// prints the heap the metrics take and how long rendering takes inside the loop, then serves them until SIGTERM, for
// exporter-bench.sh to scrape.
// With TIMERS > 0 it also runs that many timers at a 1 s interval, standing in for probes on the same loop, and on
// SIGUSR1 prints how late they fired since the last report (exporter-hostile.sh).
// Usage: exporter-bench [SERVERS] [LISTEN] [TIMERS]   (defaults 2000, 127.0.0.1:0 and 0)
import CLinux
import EventLoop
import Exporter
import Glibc
import Primitives

let arguments = CommandLine.arguments
let servers = arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000
let listen = try ListenAddress(parsing: arguments.count > 2 ? arguments[2] : "127.0.0.1:0")
let timers = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 0
let perService = 100

func measure(_ label: String, runs: Int, _ body: () -> Int) {
    var times: [Duration] = []
    var size = 0
    for _ in 0..<runs {
        let start = Monotonic.now()
        size = body()
        times.append(Monotonic.now() - start)
    }
    times.sort()
    let ms = { (d: Duration) in String(format2(d.seconds * 1000)) }
    print("\(label): \(size) bytes, median \(ms(times[runs / 2])) ms, max \(ms(times[runs - 1])) ms over \(runs) runs")
}

func format2(_ value: Double) -> String { "\((value * 100).rounded() / 100)" }

/// Heap bytes in use (malloc's arenas and its mmapped blocks), to weigh the metrics alone.
func heapInUse() -> Int {
    let info = mallinfo2()
    return Int(info.uordblks + info.hblkhd)
}

func labels(_ index: Int) -> ServerLabels {
    ServerLabels(service: "svc\(index / perService)", realServer: "203.0.\(113 + index / 250).\(index % 250 + 1):8000")
}

let heapBefore = heapInUse()
let metrics = DrcheckMetrics(version: "bench")
let fill = Monotonic.now()
for index in 0..<servers {
    let server = labels(index)
    let up = index % 10 != 0
    metrics.updateServer(server, up: up, weight: up ? 10 : 0, configuredWeight: 10)
    for probe in 0..<5 {
        metrics.observeProbe(server, resultClass: up ? "ok" : "timeout", duration: .microseconds(800 + probe * 700))
    }
    metrics.recordTransition(server, from: "unknown", to: "up")
    if !up { metrics.recordTransition(server, from: "up", to: "down") }
    metrics.updateKernelCounters(
        server,
        DestinationCounters(
            activeConnections: UInt64(index % 50), inactiveConnections: UInt64(index % 70),
            connections: UInt64(index * 1000), packetsIn: UInt64(index * 9000), packetsOut: 0,
            bytesIn: UInt64(index * 1_000_000), bytesOut: 0))
    if index % perService == 0 { metrics.setServicePanic(server.service, false) }
}
metrics.recordIPVSUpdate(.setWeight)
metrics.recordConfigLoad(succeeded: true, at: 1_764_072_000)
print("fill: \(servers) servers in \(format2((Monotonic.now() - fill).seconds * 1000)) ms")
let metricsHeap = heapInUse() - heapBefore
print("metrics heap: \(metricsHeap) bytes, \(servers > 0 ? metricsHeap / servers : 0) a server")

var services: [StatusDocument.Service] = []
for index in 0..<servers {
    let server = labels(index)
    let up = index % 10 != 0
    if index % perService == 0 {
        services.append(
            .init(
                name: server.service, address: "198.51.100.33:\(8000 + index / perService)", protocol: "tcp",
                panic: false, realServers: []))
    }
    services[services.count - 1].realServers.append(
        .init(
            address: server.realServer, state: up ? "up" : "down", healthy: up, kernelWeight: up ? 10 : 0,
            configuredWeight: 10, lastResult: up ? "ok" : "timeout", lastDetail: up ? nil : "no answer within 1s",
            latencySeconds: 0.0021, lastProbeAt: 1_764_072_599, lastChangeAt: 1_764_072_010))
}

let status = StatusDocument(
    agent: .init(
        version: "bench", pid: getpid(), startedAt: 1_764_072_000, generatedAt: 1_764_072_600, configFile: nil,
        configLoadedAt: nil, lastReloadSucceeded: true, dryRun: false, ready: true),
    services: services)
measure("render /metrics in the loop", runs: 21) { metrics.render().count }
measure("render /status in the loop", runs: 21) { status.json().count }

let loop = try EventLoop()

/// The worst lateness of a timer due every millisecond while `render` runs on the loop: how long a probe that is
/// due would wait for a scrape.
func timerLateness(_ label: String, on loop: EventLoop, _ render: (@escaping () -> Void) -> Void) throws {
    var worst = Duration.zero
    var finished = false
    var tick: (() -> Void)!
    var due = loop.now()
    tick = {
        worst = max(worst, loop.now() - due)
        due = loop.now() + .milliseconds(1)
        if !finished { loop.schedule(at: due, tick) }
    }
    loop.schedule(at: due, tick)
    try loop.runOnce(timeout: 0)
    render { finished = true }
    while !finished { try loop.runOnce(timeout: 100) }
    try loop.runOnce(timeout: 5)
    print("\(label): a timer due every 1 ms waited at most \(format2(worst.seconds * 1000)) ms")
}
try timerLateness("/metrics in slices (the daemon's way)", on: loop) { done in metrics.render(on: loop) { _ in done() }
}
try timerLateness("/metrics in one piece", on: loop) { done in
    loop.schedule(after: .zero) {
        _ = metrics.render()
        done()
    }
}

let server = try MetricsServer(
    loop: loop, address: listen,
    endpoints: MetricsEndpoints(metrics: metrics, status: { status }, ready: { true }))
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("max RSS: \(usage.ru_maxrss / 1024) MiB")
print("listening on \(server.address)")
fflush(nil)
/// Timers at a 1 s interval standing in for probes: how late each fired since the last report.
final class StandInProbes {
    private let loop: EventLoop
    private var lateness: [Double] = []

    init(_ count: Int, on loop: EventLoop) {
        self.loop = loop
        for index in 0..<count { start(due: loop.now() + .milliseconds(1000 * index / count)) }
    }

    private func start(due: Monotonic) {
        loop.schedule(at: due) { [unowned self] in
            lateness.append((loop.now() - due).seconds)
            start(due: due + .seconds(1))
        }
    }

    func report() -> String {
        guard !lateness.isEmpty else { return "timers: none fired" }
        lateness.sort()
        let ms = { (q: Double) in
            format2(self.lateness[min(self.lateness.count - 1, Int(Double(self.lateness.count) * q))] * 1000)
        }
        defer { lateness = [] }
        return "timers: \(lateness.count) fired, late by p50 \(ms(0.5)) ms, p99 \(ms(0.99)) ms, max \(ms(1)) ms"
    }
}
let probes = timers > 0 ? StandInProbes(timers, on: loop) : nil

try loop.handleSignals([SIGTERM, SIGINT, SIGUSR1]) { signal in
    guard signal == SIGUSR1 else { return loop.stop() }
    print(probes?.report() ?? "timers: none running")
    fflush(nil)
}
try loop.run()
