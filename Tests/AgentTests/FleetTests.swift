import Primitives
import Testing

@testable import Agent

/// `fleet`: the config, what a quorum of the other directors agrees on, and the decision core draining a server the
/// quorum sees failing and restoring it when the quorum no longer does or the fleet is not read.
struct FleetTests {
    private typealias F = ReconcilerFixture
    static let fleet = "fleet: {etcd: [\"198.51.100.9:2379\"], name: lvs1, quorum: 2}\n"

    @Test func theConfigNeedsEtcdAndAQuorumOfTwoOrMoreAndPrintsBack() throws {
        let config = try ConfigTests().parse(Self.fleet)
        var expected = FleetSettings(etcd: [Endpoint("198.51.100.9:2379")!], name: "lvs1", quorum: 2)
        #expect(config.fleet == expected)
        let printed = ConfigPrinter.yaml(config)
        #expect(
            printed.contains(
                "fleet:\n  etcd:\n  - \"198.51.100.9:2379\"\n  name: \"lvs1\"\n  quorum: 2\n  lease: 10s\n"
                    + "  prefix: \"/drcheck/fleet/\"\n"))
        #expect(try ConfigParser.parse(yaml: printed, file: "printed.yaml") == config)
        #expect(!ConfigPrinter.yaml(Config()).contains("fleet"))
        expected.name = nil
        expected.lease = .seconds(30)
        expected.prefix = "/lb/eu1/"
        #expect(
            try ConfigTests().parse(
                "fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 2, lease: 30s, prefix: /lb/eu1/}\n"
            ).fleet == expected)
        let errors = [
            ("fleet: {quorum: 2}", "fleet: needs etcd and quorum"),
            ("fleet: {etcd: [\"etcd1\"], quorum: 2}", "not an IP:port (etcd's client address): \"etcd1\""),
            ("fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 1}", "fleet.quorum: must be"),
            ("fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 2, name: \"lvs 1\"}", "must be 1-64 letters"),
            ("fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 2, lease: 2s}", "must be 3s-300s"),
            ("fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 2, prefix: drcheck}", "must begin and end with /"),
            ("fleet: {etcd: [\"198.51.100.9:2379\"], quorum: 2, members: 3}", "fleet.members: unknown key"),
        ]
        for (yaml, message) in errors {
            #expect(ConfigTests().error(yaml + "\n").contains(message), "\(yaml)")
        }
    }

    @Test func aQuorumOfOtherDirectorsSeeingAServerFailingMakesItDownAndOneDirectorAloneDoesNot() {
        let (a, b) = (F.rs1, F.rs2)
        let others: [String: [ServerID: Bool]] = [
            "lvs2": [a: false, b: true], "lvs3": [a: false, b: true], "lvs4": [a: true],
        ]
        let agreement = FleetAgreement(others: others, ours: [a: true, b: false], quorum: 2)
        #expect(agreement.down == [a: 2])
        // b fails here only: two others see it up.
        #expect(agreement.downHereOnly == [b: 2])
        let fewer = FleetAgreement(others: others, ours: [a: true, b: false], quorum: 3)
        #expect(fewer.down == [:])
        #expect(fewer.downHereOnly == [:])
        // A director that does not list a server has no vote on it.
        #expect(FleetAgreement(others: ["lvs4": [a: true]], ours: [b: false], quorum: 2).downHereOnly == [:])
    }

    @Test func aServerUpHereIsDrainedWhileAQuorumSeesItFailingAndRestoredWhenTheFleetIsNotRead() {
        var f = fixture()
        let down = f.turn([.fleet([F.rs1: 2])])
        #expect(down.changes == [.drain(F.rs1, from: 5, "fleet")])
        #expect(down.transitions == [Transition(F.rs1, .fleetDown(directors: 2, quorum: 2))])
        #expect(
            down.transitions[0].description.hasSuffix(
                "failing at 2 other directors of the fleet (quorum 2): drained here too"))
        #expect(f.reconciler.drainedByFleet(F.rs1))
        // Its own passing probes keep it up here, and drained.
        #expect(f.probe(F.rs1, .success).changes == [])
        #expect(f.record(F.rs1)?.up == true)
        // The same set again changes nothing.
        #expect(f.turn([.fleet([F.rs1: 3])]).changes == [])
        let again = f.turn([.fleet([:])])
        #expect(again.changes == [.restore(F.rs1, to: 5)])
        #expect(again.transitions == [Transition(F.rs1, .fleetAgain)])
    }

    @Test func keepLastAndADrainByHandComeBeforeTheFleet() {
        var f = fixture()
        _ = f.probe(F.rs2, .failure("connect_refused"), times: 2)
        #expect(f.reconciler.weight(of: F.rs2) == 0)
        // rs1 is the service's last weighted server: keep_last keeps it although the fleet sees it failing.
        let kept = f.turn([.fleet([F.rs1: 2])])
        #expect(kept.changes == [])
        #expect(f.reconciler.panics == [F.service])
        // A server drained by hand stays at 0 when the fleet lets it go.
        var g = fixture()
        _ = g.kernel([F.rs1: 5, F.rs2: 0])
        _ = g.turn([.fleet([F.rs2: 2])])
        #expect(g.turn([.fleet([:])]).changes == [])
        #expect(g.reconciler.weight(of: F.rs2) == 0)
    }

    @Test func aServerDownHereStaysDrainedWhenTheFleetLetsItGo() {
        var f = fixture()
        _ = f.probe(F.rs1, .failure("timeout"), times: 2)
        #expect(f.turn([.fleet([F.rs1: 2])]).changes == [])
        #expect(f.turn([.fleet([:])]).changes == [])
        #expect(f.reconciler.weight(of: F.rs1) == 0)
    }

    @Test func aDaemonStartedWithAFleetRestoresNothingUntilItHearsFromTheFleet() {
        // The state of a director that the fleet had made drain rs1, up from here.
        var state = AgentState()
        for id in [F.rs1, F.rs2] {
            var record = ServerRecord(weight: id == F.rs1 ? 0 : 5, up: true)
            record.configured = 5
            record.drainedBy = id == F.rs1 ? .drcheck : nil
            state.servers[id] = record
        }
        let servers = #"{address: "203.0.113.21:8000", weight: 5}, {address: "203.0.113.22:8000", weight: 5}"#
        var f = F(check: "fall: 2, rise: 1", servers: servers, state: state, fleet: Self.fleet)
        f.reconciler = Reconciler(config: f.reconciler.config, state: state, awaitsFleet: true)
        #expect(f.kernel([F.rs1: 0, F.rs2: 5]).changes == [])
        #expect(f.probe(F.rs1, .success).changes == [])
        // The fleet still sees it failing: it stays at 0; had it not, it would be restored then.
        #expect(f.turn([.fleet([F.rs1: 2])]).changes == [])
        #expect(f.turn([.fleet([:])]).changes == [.restore(F.rs1, to: 5)])
        // The fleet not read at all (etcd down at the start) is an empty set: restored at that first word.
        var g = F(check: "fall: 2, rise: 1", servers: servers, state: state, fleet: Self.fleet)
        g.reconciler = Reconciler(config: g.reconciler.config, state: state, awaitsFleet: true)
        #expect(g.kernel([F.rs1: 0, F.rs2: 5]).changes == [])
        #expect(g.turn([.fleet([:])]).changes == [.restore(F.rs1, to: 5)])
        // Without awaiting (`--once`, which takes no part in the fleet), restored at once.
        var h = F(check: "fall: 2, rise: 1", servers: servers, state: state, fleet: Self.fleet)
        #expect(h.kernel([F.rs1: 0, F.rs2: 5]).changes == [.restore(F.rs1, to: 5)])
    }

    /// Two servers at weight 5, fall 2, rise 1, keep_last, in a fleet of quorum 2.
    private func fixture() -> F {
        var f = F(
            check: "fall: 2, rise: 1, keep_last: true",
            servers: #"{address: "203.0.113.21:8000", weight: 5}, {address: "203.0.113.22:8000", weight: 5}"#,
            fleet: Self.fleet)
        _ = f.kernel([F.rs1: 5, F.rs2: 5])
        return f
    }
}
