import Primitives
import Testing

@testable import Agent

/// A service's sorry server: never probed nor in the state, raised to its weight while no real server is up and
/// lowered to 0 as soon as one is; with it, keep_last holds no failing server back.
struct SorryServerTests {
    typealias F = ReconcilerFixture
    static let sorry = ServerID(service: F.service, server: Endpoint("203.0.113.99:8000")!)

    static func fixture() -> F {
        let yaml = """
            services:
              - vip: "198.51.100.33:8000"
                check: {fall: 1, rise: 1}
                sorry_server: 203.0.113.99
                real_servers: [{address: 203.0.113.99, weight: 3}]
            """
        var fixture = F()
        fixture.reconciler = Reconciler(
            config: try! ConfigParser.parse(yaml: yaml, file: "t.yaml"), state: AgentState())
        return fixture
    }

    func sorry(_ from: Int, _ to: Int) -> WeightChange {
        WeightChange(id: Self.sorry, from: from, to: to, reason: .sorryServer)
    }

    @Test func raisedWhenEveryRealServerIsDownAndLoweredWhenOneIsUp() {
        var fixture = Self.fixture()
        #expect(fixture.kernel([F.rs1: 5, F.rs2: 5, Self.sorry: 0]).changes == [])
        #expect(fixture.record(Self.sorry) == nil)
        #expect(fixture.probe(F.rs1, .failure("timeout")).changes == [.drain(F.rs1, from: 5, "timeout")])
        let last = fixture.probe(F.rs2, .failure("timeout")).changes
        #expect(last == [.drain(F.rs2, from: 5, "timeout"), sorry(0, 3)])
        #expect(fixture.reconciler.panics.isEmpty)
        let back = fixture.probe(F.rs1, .success).changes
        #expect(back == [.restore(F.rs1, to: 5), sorry(3, 0)])
    }

    @Test func aServiceDownAtFirstSightGetsItsSorryServer() {
        var fixture = Self.fixture()
        _ = fixture.kernel([F.rs1: 5, Self.sorry: 0])
        #expect(
            fixture.probe(F.rs1, .failure("connect_refused")).changes == [
                .drain(F.rs1, from: 5, "connect_refused"), sorry(0, 3),
            ])
        // Someone lowers it by hand while every real server is down: drcheck raises it again.
        #expect(fixture.kernel([F.rs1: 0, Self.sorry: 0]).changes == [sorry(0, 3)])
    }

    @Test func aFailedWriteIsRetried() {
        var fixture = Self.fixture()
        _ = fixture.kernel([F.rs1: 5, Self.sorry: 0])
        _ = fixture.probe(F.rs1, .failure("timeout"))
        let retry = fixture.reconciler.writeFailed(sorry(0, 3), at: fixture.now)
        #expect(fixture.turn([], after: retry - fixture.now).changes == [sorry(0, 3)])
    }

    @Test func itIsReadAndPrinted() throws {
        let config = Self.fixture().reconciler.config
        #expect(config.services[0].sorryServer == RealServerConfig(address: IPAddress("203.0.113.99")!, weight: 3))
        #expect(config.services[0].isSorryServer(Endpoint("203.0.113.99:8000")!))
        #expect(!config.services[0].isSorryServer(Endpoint("203.0.113.21:8000")!))
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("  sorry_server: 203.0.113.99\n"))
        #expect(try ConfigParser.parse(yaml: printed, file: "t.yaml") == config)
    }
}
