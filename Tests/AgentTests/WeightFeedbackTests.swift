import Primitives
import Testing

@testable import Agent

/// `weight_header`: the words a server may say, and what the decision core makes of them.
struct WeightFeedbackTests {
    private typealias F = ReconcilerFixture

    @Test func theWordsAreAShareDrainOrUpInAnyCase() {
        #expect(WeightFeedback(header: "50%") == .percent(50))
        #expect(WeightFeedback(header: "0%") == .percent(0))
        #expect(WeightFeedback(header: "1000%") == .percent(1000))
        #expect(WeightFeedback(header: "DRAIN") == .drain)
        #expect(WeightFeedback(header: "Up") == .up)
        for garbage in ["", "50", "1001%", "-5%", "%", "5 %", "half", "drain now", "50%%", "0x10%"] {
            #expect(WeightFeedback(header: garbage) == .invalid, "\(garbage)")
        }
        #expect(WeightFeedback.scale(4, percent: 50) == 2)
        #expect(WeightFeedback.scale(3, percent: 10) == 1)
        #expect(WeightFeedback.scale(3, percent: 0) == 0)
        #expect(WeightFeedback.scale(100, percent: 1000) == 1000)
    }

    @Test func theConfigTakesAHeaderNameForHttpChecksOnly() throws {
        let checks = RequestConfigTests()
        #expect(try checks.parse("{weight_header: X-Weight}").weightHeader == "X-Weight")
        #expect(
            checks.error("{weight_header: \"X Weight\"}").hasSuffix("is not a header name (letters, digits, - and _)"))
        #expect(
            checks.error("{type: tcp, weight_header: X-Weight}").hasSuffix(
                "applies only to an http check (type is tcp)"))
        let config = try ConfigTests().parse(RequestConfigTests.yaml("{weight_header: X-Weight}"))
        #expect(ConfigPrinter.yaml(config).contains("    weight_header: \"X-Weight\"\n"))
        #expect(try ConfigParser.parse(yaml: ConfigPrinter.yaml(config), file: "printed.yaml") == config)
    }

    @Test func aShareScalesTheConfiguredWeightDrainHoldsZeroAndUpRestores() {
        var f = F(check: "slow_start: 0s", servers: "{address: 203.0.113.21, weight: 4}")
        _ = f.kernel([F.rs1: 4, F.rs2: 4])
        #expect(f.probe(F.rs1, WeightFeedback.percent(50).verdict).changes.map(\.to) == [2])
        #expect(f.probe(F.rs1, WeightFeedback.drain.verdict).changes.map(\.to) == [0])
        let held = f.probe(F.rs1, WeightFeedback.drain.verdict, times: 3)
        #expect(held.allSatisfy { $0.changes.isEmpty })
        #expect(f.record(F.rs1)?.up == true)
        #expect(f.probe(F.rs1, WeightFeedback.up.verdict).changes == [.restore(F.rs1, to: 4)])
        // No header (or one not understood): the configured weight.
        _ = f.probe(F.rs1, WeightFeedback.percent(25).verdict)
        #expect(f.reconciler.weight(of: F.rs1) == 1)
        _ = f.probe(F.rs1, .success)
        #expect(f.reconciler.weight(of: F.rs1) == 4)
    }

    @Test func slowStartAppliesToARiseFromDrain() {
        var f = F(check: "slow_start: 10s", servers: "{address: 203.0.113.21, weight: 10}")
        _ = f.kernel([F.rs1: 10, F.rs2: 10])
        _ = f.probe(F.rs1, WeightFeedback.drain.verdict)
        let rise = f.probe(F.rs1, WeightFeedback.up.verdict)
        #expect(rise.changes.map(\.to) == [1])
        #expect(rise.wakeAt != nil)
    }

    @Test func everyServerSayingDrainLeavesTheLastOneIn() {
        var f = F(check: "", servers: "")
        _ = f.kernel([F.rs1: 3, F.rs2: 3])
        _ = f.probe(F.rs1, WeightFeedback.drain.verdict)
        let last = f.probe(F.rs2, WeightFeedback.drain.verdict)
        #expect(last.changes.isEmpty)
        #expect(f.reconciler.weight(of: F.rs2) == 3)
        #expect(f.reconciler.panics == [F.service])
    }
}
