import Primitives
import Testing

@testable import Agent

/// A real server's own check (`real_servers[].check`): over its service's, for how it is probed and judged, never
/// for what the service's servers share.
struct RealServerCheckTests {
    static let yaml = """
        services:
          - vip: "198.51.100.33:80"
            check: {type: http, path: /health, interval: 2s, fall: 3, keep_last: false}
            real_servers:
              - address: 203.0.113.21
              - address: "203.0.113.22:80"
                check: {type: tcp, port: 8080, fall: 1}
        """
    static let service = ServiceKey("198.51.100.33:80/tcp")!
    static let first = ServerID(service: service, server: Endpoint("203.0.113.21:80")!)
    static let second = ServerID(service: service, server: Endpoint("203.0.113.22:80")!)

    func parse(_ yaml: String) throws(ConfigError) -> Config { try ConfigTests().parse(yaml) }

    func error(_ yaml: String) -> String { ConfigTests().error(yaml) }

    @Test func aServersOwnCheckOverridesItsServicesKeysOnlyForIt() throws {
        let config = try parse(Self.yaml)
        let own = try #require(config.check(for: Self.second))
        #expect(own.type == .tcp)
        #expect(own.port == 8080)
        #expect(own.fall == 1)
        // Inherited from the service's check.
        #expect(own.interval == .seconds(2))
        #expect(!own.keepLast)
        let shared = try #require(config.check(for: Self.first))
        #expect(shared.type == .http)
        #expect(shared.path == "/health")
        #expect(shared.fall == 3)
        #expect(config.check(for: Self.service) == shared)
    }

    @Test func whatTheServersShareStaysTheServices() {
        for key in ["keep_last: true", "slow_start: 10s", "alpha: true", "on_change: [/bin/true]"] {
            let yaml = Self.yaml.replacingOccurrences(of: "fall: 1}", with: "fall: 1, \(key)}")
            #expect(error(yaml).contains("services[0].real_servers[1].check"), "\(key)")
            #expect(error(yaml).contains(String(key.prefix { $0 != ":" })), "\(key)")
        }
    }

    @Test func aServersCheckMustJudgeItsService() throws {
        let udp = """
            services:
              - vip: "198.51.100.33:53"
                protocol: udp
                check: {type: dns}
                real_servers:
                  - address: 203.0.113.21
                    check: {type: http}
            """
        #expect(error(udp).hasPrefix("drcheck.yaml"))
        #expect(error(udp).contains("services[0].real_servers[0].check: cannot be checked"))
        let fwmark = """
            services:
              - fwmark: 7
                check: {type: tcp, port: 80}
                real_servers:
                  - address: 203.0.113.21
                    check: {type: http}
            """
        #expect(try parse(fwmark).services[0].realServers[0].check?.port == 80)
    }

    @Test func theOwnCheckIsPrintedAndReadBack() throws {
        let config = try parse(Self.yaml)
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("  - address: 203.0.113.22:80\n    check:\n      type: tcp\n"))
        #expect(try parse(printed) == config)
    }

    @Test func theReconcilerJudgesEachServerByItsOwnFall() {
        var fixture = ReconcilerFixture(
            check: "fall: 3",
            servers: #"{address: "203.0.113.21:8000", check: {fall: 1}}, {address: "203.0.113.22:8000"}"#)
        _ = fixture.kernel([ReconcilerFixture.rs1: 5, ReconcilerFixture.rs2: 5])
        _ = fixture.probe(ReconcilerFixture.rs1, .success, times: 2)
        _ = fixture.probe(ReconcilerFixture.rs2, .success, times: 2)
        #expect(
            fixture.probe(ReconcilerFixture.rs1, .failure("timeout")).changes == [
                .drain(ReconcilerFixture.rs1, from: 5, "timeout")
            ])
        #expect(fixture.probe(ReconcilerFixture.rs2, .failure("timeout")).changes.isEmpty)
    }
}
