import Primitives
import Testing

@testable import Agent

/// An IPv4 and an IPv6 fwmark service with the same mark (a dual-stack director) are two services to the decision
/// core: their own settings, counters, weights and labels.
@Suite struct FwmarkFamilyTests {
    static let v4 = ServiceKey.fwmark(5, family: .ipv4)
    static let v6 = ServiceKey.fwmark(5, family: .ipv6)
    let rs1 = ServerID(service: v4, server: Endpoint("203.0.113.21:0", allowPortZero: true)!)
    let rs2 = ServerID(service: v4, server: Endpoint("203.0.113.22:0", allowPortZero: true)!)
    let v6a = ServerID(service: v6, server: Endpoint("[::1]:8101")!)
    let v6b = ServerID(service: v6, server: Endpoint("[::1]:8102")!)

    let config = try! ConfigParser.parse(
        yaml: """
            services:
              - fwmark: 5
                check: {port: 8000, fall: 1, rise: 1}
              - fwmark: 5
                family: ipv6
                check: {port: 8101, fall: 2, rise: 1}
                real_servers: [{address: "::1", weight: 4}]
            """,
        file: "test.yaml")

    /// Both services at weight 1 in the kernel.
    var kernel: [ServiceKey: [Endpoint: Int]] {
        [Self.v4: [rs1.server: 1, rs2.server: 1], Self.v6: [v6a.server: 1, v6b.server: 1]]
    }

    @Test func eachServiceHasItsOwnSettings() {
        #expect(config.check(for: Self.v4)?.fall == 1)
        #expect(config.check(for: Self.v6)?.fall == 2)
        #expect(config.service(Self.v6)?.configuredWeight(for: v6a.server) == 4)
        #expect(config.service(Self.v4)?.configuredWeight(for: rs1.server) == nil)
    }

    /// A `fwmark: N` entry written for the previous release, which named both families' services `fwmark:N`, still
    /// means its IPv6 service when it lists only IPv6 real servers (DR needs the service's family).
    @Test func aFwmarkEntryWithoutFamilyTakesItsRealServersFamily() throws {
        let config = try ConfigParser.parse(
            yaml: """
                services:
                  - fwmark: 7
                    check: {port: 80}
                    real_servers: [{address: "2001:db8::7", weight: 2}, {address: "[2001:db8::8]:80"}]
                  - fwmark: 8
                    check: {port: 80}
                    real_servers: [{address: "2001:db8::7"}, {address: 203.0.113.21}]
                  - fwmark: 9
                    check: {port: 80}
                  - fwmark: 10
                    family: ipv4
                    check: {port: 80}
                    real_servers: [{address: "2001:db8::7"}]
                """,
            file: "test.yaml")
        #expect(
            config.services.map(\.key) == [
                .fwmark(7, family: .ipv6), .fwmark(8, family: .ipv4), .fwmark(9, family: .ipv4),
                .fwmark(10, family: .ipv4),
            ])
    }

    @Test func aOncePassDrainsOnlyTheFailedServerInItsFamily() {
        let probes: [ServerID: ProbeVerdict] = [
            rs1: .success, rs2: .success, v6a: .failure("connect_refused"), v6b: .success,
        ]
        let first = OncePass.run(config: config, state: AgentState(), kernel: kernel, probes: probes, dryRun: false)
        #expect(first.changes == [])
        #expect(first.state.servers[v6a]?.failures == 1)
        #expect(first.state.servers[rs1]?.failures == 0)

        let second = OncePass.run(config: config, state: first.state, kernel: kernel, probes: probes, dryRun: false)
        #expect(second.changes == [.drain(v6a, from: 1, "connect_refused")])
        #expect(second.exitStatus == 1)
        #expect(second.rows.map(\.id) == [rs1, rs2, v6a, v6b])
        #expect(second.rows.map(\.service) == ["fwmark:5", "fwmark:5", "fwmark:5/ipv6", "fwmark:5/ipv6"])
        #expect(second.rows.map(\.weightAfter) == [1, 1, 0, 1])
        #expect(second.state.servers.count == 4)
    }

    @Test func theDaemonsTurnsKeepBothServicesApart() {
        var reconciler = Reconciler(config: config, state: AgentState(), dryRun: false)
        let kernelEvents = kernel.sorted { $0.key < $1.key }.map { AgentEvent.kernel($0.key, $0.value) }
        _ = reconciler.turn(kernelEvents + [rs1, rs2, v6a, v6b].map { .probed($0, .success) }, at: .seconds(1))

        let drain = reconciler.turn([.probed(rs1, .failure("timeout"))], at: .seconds(2))
        #expect(drain.changes == [.drain(rs1, from: 1, "timeout")])
        #expect(drain.transitions == [Transition(service: Self.v4, server: rs1.server, kind: .down("timeout"))])
        #expect(reconciler.statuses.map(\.up) == [false, true, true, true])

        _ = reconciler.turn([.kernel(Self.v4, [rs1.server: 0, rs2.server: 1])], at: .seconds(3))
        #expect(reconciler.turn([.probed(v6a, .failure("timeout"))], at: .seconds(4)).changes == [])
        let v6Drain = reconciler.turn([.probed(v6a, .failure("timeout"))], at: .seconds(5))
        #expect(v6Drain.changes == [.drain(v6a, from: 1, "timeout")])

        _ = reconciler.turn([.kernel(Self.v6, [v6a.server: 0, v6b.server: 1])], at: .seconds(6))
        let restore = reconciler.turn([.probed(rs1, .success), .probed(v6a, .success)], at: .seconds(7))
        #expect(restore.changes == [.restore(rs1, to: 1), .restore(v6a, to: 4)])
    }
}
