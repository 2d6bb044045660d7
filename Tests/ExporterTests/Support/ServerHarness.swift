import EventLoop
import Exporter
import Glibc
import Primitives

/// A metrics server on loopback with the real EventLoop, pumped by the test's own thread between client steps.
final class ServerHarness {
    let loop: EventLoop
    let server: MetricsServer
    var metrics = Array("drcheck_test 1\n".utf8)
    var ready = false
    var status = StatusFixtures.document

    /// Without `endpoints`, the server serves the harness's `metrics`, `status` and `ready`.
    init(
        limits: MetricsServerLimits = .uncached, address: ListenAddress = .ipv4("127.0.0.1", port: 0),
        endpoints: MetricsEndpoints? = nil
    ) throws {
        loop = try EventLoop()
        // The closures read the harness's current values through a box filled once the server exists.
        let box = Box()
        let ownEndpoints = MetricsEndpoints(
            metrics: { box.harness!.metrics }, status: { box.harness!.status }, ready: { box.harness!.ready })
        server = try MetricsServer(
            loop: loop, address: address, endpoints: endpoints ?? ownEndpoints, limits: limits)
        box.harness = self
    }

    deinit { server.close() }

    private final class Box {
        weak var harness: ServerHarness?
    }

    /// Runs the loop until `done` holds or `limit` passes; returns whether `done` held.
    @discardableResult
    func pump(for limit: Duration = .seconds(5), until done: () -> Bool) -> Bool {
        let end = loop.now() + limit
        while !done() {
            guard loop.now() < end else { return false }
            try? loop.runOnce(timeout: 5)
        }
        return true
    }

    func connect() -> TestClient { TestClient(to: server.address, harness: self) }
}

extension MetricsServerLimits {
    /// Every request renders afresh, so that a test sees the values it has just set.
    static var uncached: MetricsServerLimits {
        var limits = MetricsServerLimits()
        limits.renderCacheAge = .zero
        return limits
    }
}
