import Primitives
import Testing

@testable import Agent

/// `drcheck drain` and `undrain` in the decision core: held at 0 whatever the checks say, kept across a restart
/// (the state), handed back to the checks and restored after `rise` passing probes.
struct MaintenanceDrainTests {
    typealias F = ReconcilerFixture
    static let note = DrainNote(reason: "deploy 4.2", by: "alice", at: 1_764_600_000)

    func drains(_ ids: ServerID...) -> AgentEvent {
        .drains(Dictionary(uniqueKeysWithValues: ids.map { ($0, Self.note) }))
    }

    @Test func aDrainSetsZeroAndChecksChangeNothing() {
        var fixture = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}")
        _ = fixture.kernel([F.rs1: 7, F.rs2: 3])
        let drained = fixture.turn([drains(F.rs1)])
        #expect(drained.changes == [WeightChange(id: F.rs1, from: 7, to: 0, reason: .maintenance)])
        #expect(drained.transitions == [Transition(F.rs1, .maintenance(Self.note))])
        #expect(fixture.record(F.rs1)?.maintenance == Self.note)
        #expect(fixture.record(F.rs1)?.drainedBy == .operator)
        // Failing and recovering under the drain moves no weight.
        #expect(fixture.probe(F.rs1, .failure("timeout")).changes == [])
        #expect(fixture.probe(F.rs1, .success).changes == [])
        #expect(fixture.record(F.rs1)?.weight == 0)
    }

    @Test func keepLastNeverHoldsAServerBackFromADrain() {
        var fixture = F(check: "fall: 1, rise: 1")
        _ = fixture.kernel([F.rs1: 5])
        #expect(
            fixture.turn([drains(F.rs1)]).changes == [WeightChange(id: F.rs1, from: 5, to: 0, reason: .maintenance)])
        #expect(fixture.reconciler.panics.isEmpty)
    }

    @Test func aDrainSurvivesARestartAndAWeightSetByHand() {
        var fixture = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}")
        _ = fixture.kernel([F.rs1: 7, F.rs2: 3])
        _ = fixture.turn([drains(F.rs1)])
        // A new run from the saved state, the drains file and the kernel as they are.
        var restarted = F(
            check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}",
            state: fixture.reconciler.state)
        let first = restarted.turn([drains(F.rs1), .kernel(F.service, [F.rs1.server: 0, F.rs2.server: 3])])
        #expect(first.changes == [])
        #expect(restarted.probe(F.rs1, .success).changes == [])
        // Someone raises it by hand: the drain holds it at 0.
        let raised = restarted.kernel([F.rs1: 4, F.rs2: 3])
        #expect(raised.changes == [WeightChange(id: F.rs1, from: 4, to: 0, reason: .maintenance)])
    }

    @Test func aServerDrainedBeforeDrcheckSawItIsHeldFromTheStart() {
        var fixture = F(check: "fall: 1, rise: 1")
        _ = fixture.turn([drains(F.rs1)])
        let seen = fixture.kernel([F.rs1: 5, F.rs2: 5])
        #expect(seen.changes == [WeightChange(id: F.rs1, from: 5, to: 0, reason: .maintenance)])
        #expect(seen.transitions.contains(Transition(F.rs1, .maintenance(Self.note))))
    }

    @Test func anUndrainHandsTheServerBackToItsChecksWithSlowStart() {
        var fixture = F(check: "fall: 1, rise: 2, slow_start: 4s", servers: "{address: 203.0.113.21, weight: 7}")
        _ = fixture.kernel([F.rs1: 7, F.rs2: 3])
        _ = fixture.turn([drains(F.rs1)])
        let undrained = fixture.turn([.drains([:])])
        #expect(undrained.changes == [])
        #expect(undrained.transitions == [Transition(F.rs1, .handedBack)])
        #expect(fixture.record(F.rs1)?.up == false)
        #expect(fixture.record(F.rs1)?.drainedBy == nil)
        #expect(fixture.probe(F.rs1, .success).changes == [])
        let back = fixture.probe(F.rs1, .success).changes
        #expect(back == [WeightChange(id: F.rs1, from: 0, to: 1, reason: .slowStart(step: 1, steps: 7))])
    }

    @Test func anUndrainedServerThatFailsStaysAtZero() {
        var fixture = F(check: "fall: 1, rise: 1")
        _ = fixture.kernel([F.rs1: 5, F.rs2: 5])
        _ = fixture.turn([drains(F.rs1)])
        _ = fixture.turn([.drains([:])])
        #expect(fixture.probe(F.rs1, .failure("connect_refused")).changes == [])
        #expect(fixture.record(F.rs1)?.weight == 0)
    }
}
