import Testing

@testable import Agent

@Suite struct OncePassTests {
    let rs1 = ReconcilerFixture.rs1
    let rs2 = ReconcilerFixture.rs2
    let service = ReconcilerFixture.service

    func config(_ check: String) -> Config {
        try! ConfigParser.parse(
            yaml: "services:\n  - name: web\n    vip: \"198.51.100.33:8000\"\n    check: {\(check)}\n"
                + "    real_servers: [{address: 203.0.113.21, weight: 7}]\n",
            file: "test.yaml")
    }

    func run(_ state: AgentState, kernel rs1Weight: Int, rs1 result: ProbeVerdict, dryRun: Bool = false)
        -> OncePass.Outcome
    {
        OncePass.run(
            config: config("fall: 2, rise: 2, slow_start: 10s"), state: state,
            kernel: [service: [rs1.server: rs1Weight, rs2.server: 3]],
            probes: [rs1: result, rs2: .success], dryRun: dryRun)
    }

    @Test func cronRunsWithFallTwoDrainOnTheSecondAndRestoreAfterRise() {
        let first = run(AgentState(), kernel: 7, rs1: .failure("timeout"))
        #expect(first.exitStatus == 1)
        #expect(first.changes == [])
        #expect(first.rows.map(\.up) == [true, true])
        #expect(first.state.servers[rs1]?.failures == 1)

        let second = run(first.state, kernel: 7, rs1: .failure("timeout"))
        #expect(second.exitStatus == 1)
        #expect(second.changes == [.drain(rs1, from: 7, "timeout")])
        #expect(second.transitions == [Transition(rs1, .down("timeout"))])
        #expect(second.rows[0].weightBefore == 7)
        #expect(second.rows[0].weightAfter == 0)
        #expect(second.rows[0].service == "web")

        let third = run(second.state, kernel: 0, rs1: .success)
        #expect(third.exitStatus == 1)
        #expect(third.changes == [])

        // Slow start does not apply to a single pass: the configured weight at once.
        let fourth = run(third.state, kernel: 0, rs1: .success)
        #expect(fourth.exitStatus == 0)
        #expect(fourth.changes == [.restore(rs1, to: 7)])
        #expect(fourth.rows.map(\.weightAfter) == [7, 3])
    }

    @Test func dryRunReportsWhatWouldChange() {
        let first = run(AgentState(), kernel: 7, rs1: .failure("timeout"))
        let second = run(first.state, kernel: 7, rs1: .failure("timeout"), dryRun: true)
        #expect(second.exitStatus == 1)
        #expect(second.changes == [])
        #expect(second.wouldChange == [.drain(rs1, from: 7, "timeout")])
        #expect(second.rows.map(\.weightAfter) == [7, 3])
    }

    @Test func everyServerHealthyIsExitZero() {
        let outcome = run(AgentState(), kernel: 7, rs1: .success)
        #expect(outcome.exitStatus == 0)
        #expect(outcome.changes == [])
        #expect(outcome.rows.map(\.result) == [.success, .success])
    }

    @Test func aReportedWeightPassesAndIsSet() {
        let outcome = run(AgentState(), kernel: 7, rs1: .reported(weight: 4))
        #expect(outcome.exitStatus == 0)
        #expect(outcome.changes == [WeightChange(id: rs1, from: 7, to: 4, reason: .reported)])
        #expect(outcome.rows[0].weightAfter == 4)
    }
}
