import Primitives
import Testing

@testable import Agent

/// alpha: a destination added to a watched service starts down and gets its weight after `rise` passing probes; one
/// added at weight 0 is brought in by its checks, not taken for a drain by hand; drcheck's first view of a service
/// takes no serving destination out.
struct AlphaModeTests {
    typealias F = ReconcilerFixture
    static let rs3 = ServerID(service: F.service, server: Endpoint("203.0.113.23:8000")!)

    @Test func theFirstViewOfAServiceTakesNothingOut() {
        var fixture = F(check: "alpha: true, rise: 2")
        let first = fixture.kernel([F.rs1: 5, F.rs2: 5])
        #expect(first.changes == [])
        #expect(fixture.record(F.rs1)?.up == true)
    }

    @Test func aServerAddedLaterStartsDownAndComesInAfterRise() {
        var fixture = F(check: "alpha: true, rise: 2, fall: 1")
        _ = fixture.kernel([F.rs1: 5, F.rs2: 5])
        let added = fixture.kernel([F.rs1: 5, F.rs2: 5, Self.rs3: 4])
        #expect(added.changes == [WeightChange.drain(Self.rs3, from: 4, "alpha")])
        #expect(fixture.probe(Self.rs3, .success).changes == [])
        #expect(fixture.probe(Self.rs3, .success).changes == [WeightChange.restore(Self.rs3, to: 4)])
    }

    @Test func aServerAddedAtZeroIsBroughtInByItsChecks() {
        var fixture = F(check: "alpha: true, rise: 2", servers: "{address: 203.0.113.23, weight: 9}")
        _ = fixture.kernel([F.rs1: 5])
        let added = fixture.kernel([F.rs1: 5, Self.rs3: 0])
        #expect(!added.transitions.contains(Transition(Self.rs3, .administrativeDrain)))
        #expect(fixture.record(Self.rs3)?.drainedBy == nil)
        _ = fixture.probe(Self.rs3, .success)
        #expect(fixture.probe(Self.rs3, .success).changes == [WeightChange.restore(Self.rs3, to: 9)])
    }

    @Test func withoutAConfiguredWeightAServerAddedAtZeroGetsOne() {
        var fixture = F(check: "alpha: true, rise: 1")
        _ = fixture.kernel([F.rs1: 5])
        _ = fixture.kernel([F.rs1: 5, Self.rs3: 0])
        #expect(fixture.probe(Self.rs3, .success).changes == [WeightChange.restore(Self.rs3, to: 1)])
    }

    @Test func withoutAlphaAServerAddedAtZeroIsADrainByHand() {
        var fixture = F(check: "rise: 1")
        _ = fixture.kernel([F.rs1: 5])
        let added = fixture.kernel([F.rs1: 5, Self.rs3: 0])
        #expect(added.transitions.contains(Transition(Self.rs3, .administrativeDrain)))
        #expect(fixture.probe(Self.rs3, .success).changes == [])
    }

    @Test func aKnownServerSetToZeroIsADrainByHandInAlphaModeToo() {
        var fixture = F(check: "alpha: true, rise: 1")
        _ = fixture.kernel([F.rs1: 5, F.rs2: 5])
        let zero = fixture.kernel([F.rs1: 0, F.rs2: 5])
        #expect(zero.transitions.contains(Transition(F.rs1, .administrativeDrain)))
        #expect(fixture.probe(F.rs1, .success).changes == [])
    }
}
