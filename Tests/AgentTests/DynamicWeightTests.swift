import Primitives
import Testing

@testable import Agent

/// A dynamic exec check's reported weight: followed while the server is healthy, the configured weight again on
/// exit 0, subject to slow start after a drain and to keep_last.
struct DynamicWeightTests {
    typealias F = ReconcilerFixture

    func reported(_ id: ServerID, from: Int, to: Int) -> WeightChange {
        WeightChange(id: id, from: from, to: to, reason: .reported)
    }

    @Test func aHealthyServerFollowsItsReportedWeightAndReturnsToTheConfiguredOne() {
        var fixture = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 10}")
        _ = fixture.kernel([F.rs1: 10])
        #expect(fixture.probe(F.rs1, .reported(weight: 4)).changes == [reported(F.rs1, from: 10, to: 4)])
        #expect(fixture.probe(F.rs1, .reported(weight: 4)).changes == [])
        #expect(fixture.probe(F.rs1, .reported(weight: 7)).changes == [reported(F.rs1, from: 4, to: 7)])
        #expect(fixture.probe(F.rs1, .success).changes == [reported(F.rs1, from: 7, to: 10)])
        #expect(fixture.record(F.rs1)?.weight == 10)
        #expect(fixture.record(F.rs1)?.configured == 10)
    }

    @Test func aDrainedServerComesBackAtItsReportedWeightWithSlowStart() {
        var fixture = F(check: "fall: 1, rise: 2, slow_start: 10s", servers: "{address: 203.0.113.21, weight: 10}")
        _ = fixture.kernel([F.rs1: 10, F.rs2: 10])
        #expect(fixture.probe(F.rs1, .failure("exec_failed")).changes == [.drain(F.rs1, from: 10, "exec_failed")])
        #expect(fixture.probe(F.rs1, .reported(weight: 3)).changes == [])
        let back = fixture.probe(F.rs1, .reported(weight: 3)).changes
        #expect(back == [WeightChange(id: F.rs1, from: 0, to: 1, reason: .slowStart(step: 1, steps: 3))])
        var last: [WeightChange] = []
        for _ in 0..<10 {
            let changes = fixture.turn([], after: .seconds(2)).changes
            if !changes.isEmpty { last = changes }
        }
        #expect(last.map(\.to) == [3])
        #expect(fixture.record(F.rs1)?.weight == 3)
    }

    @Test func keepLastHoldsTheLastServerReportingZero() {
        var fixture = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 5}")
        _ = fixture.kernel([F.rs1: 5])
        let decision = fixture.probe(F.rs1, .reported(weight: 0))
        #expect(decision.changes == [])
        #expect(fixture.reconciler.panics == [F.service])
        #expect(fixture.record(F.rs1)?.weight == 5)
    }

    @Test func aServerReportingZeroIsSetToZeroWhenOthersCarryTheService() {
        var fixture = F(check: "fall: 1, rise: 1")
        _ = fixture.kernel([F.rs1: 5, F.rs2: 5])
        #expect(fixture.probe(F.rs1, .reported(weight: 0)).changes == [reported(F.rs1, from: 5, to: 0)])
        #expect(fixture.record(F.rs1)?.up == true)
        #expect(fixture.record(F.rs1)?.drainedBy == .drcheck)
        #expect(fixture.probe(F.rs1, .reported(weight: 2)).changes == [WeightChange.restore(F.rs1, to: 2)])
    }

    @Test func aFailedReportedWriteIsRetried() {
        var fixture = F(check: "fall: 1, rise: 1")
        _ = fixture.kernel([F.rs1: 5, F.rs2: 5])
        let change = reported(F.rs1, from: 5, to: 2)
        #expect(fixture.probe(F.rs1, .reported(weight: 2)).changes == [change])
        let retry = fixture.reconciler.writeFailed(change, at: fixture.now)
        #expect(fixture.turn([], after: retry - fixture.now).changes == [change])
    }
}
