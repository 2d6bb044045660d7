import Agent
import Testing

@Suite struct DirectorFaultRuleTests {
    typealias Evidence = DirectorFaultRule.Evidence

    static func drPath(_ inARow: Int, fall: Int = 2) -> Evidence {
        Evidence(drPathInARow: inARow, needed: fall, lastPassed: false)
    }

    static let passing = Evidence(drPathInARow: 0, needed: 2, lastPassed: true)

    @Test func anotherServerPassingThroughTheDRPathBlamesTheServer() {
        #expect(DirectorFaultRule.judge(Self.drPath(5), others: [Self.drPath(5), Self.passing]) == .server)
    }

    @Test func everyTargetFailingAsOftenAsItsFallBlamesTheDirector() {
        #expect(
            DirectorFaultRule.judge(Self.drPath(2), others: [Self.drPath(3), Self.drPath(1, fall: 1)]) == .director)
        #expect(DirectorFaultRule.judge(Self.drPath(2), others: []) == .director)
    }

    @Test func oneTargetShortOfItsFallLeavesItUndecided() {
        #expect(DirectorFaultRule.judge(Self.drPath(2), others: [Self.drPath(1)]) == .undecided)
        #expect(DirectorFaultRule.judge(Self.drPath(1), others: [Self.drPath(2)]) == .undecided)
    }

    /// `diagnose` asks at least two DR-path targets: one alone failing is that server's problem.
    @Test func aMinimumOfTargetsIsAsked() {
        #expect(DirectorFaultRule.judge(Self.drPath(1, fall: 1), others: [], minimum: 2) == .undecided)
        #expect(
            DirectorFaultRule.judge(Self.drPath(1, fall: 1), others: [Self.drPath(1, fall: 1)], minimum: 2)
                == .director)
    }
}
