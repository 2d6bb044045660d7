import Primitives
import Testing

@testable import Agent

/// `fast_interval` and `down_interval`: the config keys, and the pace the decision core reads from a server's health.
struct CheckPaceTests {
    private typealias F = ReconcilerFixture
    /// One service's check parsed, or its error.
    private let checks = RequestConfigTests()

    @Test func theKeysAreDurationsAndDefaultToTheInterval() throws {
        let check = try checks.parse("{interval: 5s, fast_interval: 500ms, down_interval: 30s}")
        #expect(check.intervals == CheckIntervals(steady: .seconds(5), fast: .milliseconds(500), down: .seconds(30)))
        #expect(check.intervals.at(.steady) == .seconds(5))
        #expect(check.intervals.at(.doubt) == .milliseconds(500))
        #expect(check.intervals.at(.down) == .seconds(30))
        let plain = try checks.parse("{interval: 5s}").intervals
        #expect([plain.at(.steady), plain.at(.doubt), plain.at(.down)] == [.seconds(5), .seconds(5), .seconds(5)])
        // A fast interval shorter than the timeout is allowed: a hung server is then probed again as each probe ends.
        #expect(try checks.parse("{interval: 5s, fast_interval: 200ms}").fastInterval == .milliseconds(200))
    }

    @Test func aFastIntervalLongerThanTheIntervalOrNotPositiveIsRefused() {
        #expect(
            checks.error("{interval: 1s, fast_interval: 2s}").contains(
                "fast_interval 2s is longer than interval 1s"))
        #expect(checks.error("{down_interval: 0s}").contains("down_interval: must be longer than 0s"))
        #expect(checks.error("{fast_interval: soon}").contains("fast_interval"))
    }

    @Test func theKeysArePrintedOnlyWhenSetAndReadBack() throws {
        let config = try ConfigTests().parse(RequestConfigTests.yaml("{interval: 5s, fast_interval: 500ms}"))
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("    fast_interval: 500ms\n"))
        #expect(!printed.contains("down_interval"))
        #expect(try ConfigParser.parse(yaml: printed, file: "printed.yaml") == config)
    }

    @Test func anUpServerIsInDoubtFromItsFirstFailureUntilDrainedThenDown() {
        var f = F(check: "rise: 2, fall: 3")
        _ = f.kernel([F.rs1: 1, F.rs2: 1])
        #expect(f.reconciler.pace(of: F.rs1) == .steady)
        _ = f.probe(F.rs1, .failure("timeout"))
        #expect(f.reconciler.pace(of: F.rs1) == .doubt)
        _ = f.probe(F.rs1, .inconclusive("director_fault"))
        #expect(f.reconciler.pace(of: F.rs1) == .doubt)
        _ = f.probe(F.rs1, .success)
        #expect(f.reconciler.pace(of: F.rs1) == .steady)
        _ = f.probe(F.rs1, .failure("timeout"), times: 3)
        #expect(f.reconciler.pace(of: F.rs1) == .down)
        _ = f.probe(F.rs1, .success)
        #expect(f.reconciler.pace(of: F.rs1) == .doubt)
        _ = f.probe(F.rs1, .failure("refused"))
        #expect(f.reconciler.pace(of: F.rs1) == .down)
        _ = f.probe(F.rs1, .success, times: 2)
        #expect(f.reconciler.pace(of: F.rs1) == .steady)
        #expect(f.reconciler.pace(of: F.rs2) == .steady)
    }

    @Test func aServerNotKnownYetIsSteady() {
        let f = F()
        #expect(f.reconciler.pace(of: F.rs1) == .steady)
    }
}
