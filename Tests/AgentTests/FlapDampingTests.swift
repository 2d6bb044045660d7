import Glibc
import Primitives
import Testing

@testable import Agent

/// `flap_damping`: the penalty's arithmetic, the config, and the decision core holding a flapping server drained.
struct FlapDampingTests {
    private typealias F = ReconcilerFixture
    private let checks = RequestConfigTests()
    /// Probes 2 s apart (the fixture's step): each change adds 1, halved every 10 s.
    static let check = "rise: 1, fall: 1, flap_damping: {half_life: 10s, suppress: 3, reuse: 1.5}"

    @Test func thePenaltyDecaysByHalfEachHalfLifeAndStopsAtItsCeiling() {
        let damping = FlapDamping(halfLife: .seconds(10), suppress: 3, reuse: 1.5, maxSuppress: .seconds(20))
        #expect(damping.ceiling == 6)
        var penalty = FlapPenalty()
        let began = penalty.changed(at: .seconds(0), damping)
        #expect(!began)
        #expect(penalty.value(at: .seconds(10), damping) == 0.5)
        let again = penalty.changed(at: .seconds(10), damping)
        #expect(!again)
        #expect(penalty.value == 1.5)
        for second in 11...20 { _ = penalty.changed(at: .seconds(second), damping) }
        #expect(penalty.value == 6)
        #expect(penalty.suppressed)
        // From the ceiling, reuse comes max_suppress after the last change.
        #expect(penalty.reuseAt(damping) == .seconds(40))
        let early = penalty.settle(at: .seconds(39), damping)
        let due = penalty.settle(at: .seconds(40), damping)
        #expect(!early && due)
        #expect(!penalty.suppressed)
    }

    @Test func theConfigNeedsAllThreeAndKeepsAServerThatFailedOnceUnsuppressed() throws {
        let check = try checks.parse("{flap_damping: {half_life: 1m, suppress: 4, reuse: 2.5}}")
        #expect(
            check.flapDamping
                == FlapDamping(halfLife: .seconds(60), suppress: 4, reuse: 2.5, maxSuppress: .seconds(240)))
        #expect(
            checks.error("{flap_damping: {half_life: 1m, suppress: 4}}").hasSuffix(
                "needs half_life, suppress and reuse"))
        #expect(
            checks.error("{flap_damping: {half_life: 1m, suppress: 1.5, reuse: 1}}").hasSuffix(
                "suppress: must be at least 2: a server that fails once changes twice (down, then up)"))
        #expect(
            checks.error("{flap_damping: {half_life: 1m, suppress: 3, reuse: 3}}").hasSuffix(
                "reuse: must be less than suppress"))
        #expect(
            checks.error("{flap_damping: {half_life: 1m, suppress: 3, reuse: x}}").hasSuffix(
                "reuse: must be a number above 0 and at most 1000 (got \"x\")"))
        #expect(
            checks.error("{flap_damping: {half_life: 1m, suppress: 30, reuse: 1, max_suppress: 1m}}").contains(
                "never exceeds suppress: raise max_suppress"))
        let config = try ConfigTests().parse(
            RequestConfigTests.yaml("{flap_damping: {half_life: 30s, suppress: 3, reuse: 1.5}}"))
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("    flap_damping:\n      half_life: 30s\n      suppress: 3\n      reuse: 1.5\n"))
        #expect(try ConfigParser.parse(yaml: printed, file: "printed.yaml") == config)
    }

    @Test func aServerThatFailedOnceIsNotSuppressed() {
        var f = F(check: Self.check)
        _ = f.kernel([F.rs1: 1, F.rs2: 1])
        let drained = f.probe(F.rs1, .failure("timeout"))
        #expect(drained.changes == [.drain(F.rs1, from: 1, "timeout")])
        let back = f.probe(F.rs1, .success)
        #expect(back.changes == [.restore(F.rs1, to: 1)])
        #expect(back.transitions == [Transition(F.rs1, .up)])
        #expect(f.reconciler.flap(of: F.rs1).flatMap { $0.penalty.reuseAt($0.damping) } == nil)
    }

    @Test func aFlappingServerIsHeldDrainedUntilItsPenaltyDecaysBelowReuse() throws {
        var f = F(check: Self.check)
        _ = f.kernel([F.rs1: 1, F.rs2: 1])
        // Down, up, down: penalties 1, 1.87, 2.63; up again: 3.29, above suppress.
        _ = f.probe(F.rs1, .failure("timeout"))
        _ = f.probe(F.rs1, .success)
        _ = f.probe(F.rs1, .failure("timeout"))
        let up = f.probe(F.rs1, .success)
        #expect(up.changes == [])
        let penalty = 1 + (1 + (1 + exp2(-0.2)) * exp2(-0.2)) * exp2(-0.2)
        // Rounded up to a whole millisecond.
        let holds = Duration.milliseconds(Int64((10_000 * log2(penalty / 1.5)).rounded(.up)))
        #expect(
            up.transitions == [
                Transition(F.rs1, .up), Transition(F.rs1, .flapping(penalty: penalty, suppress: 3, holds: holds)),
            ])
        #expect(
            up.transitions[1].description.hasSuffix(
                ": flapping, penalty 3.29 above suppress 3: held drained for 11s324ms unless it flaps on"))
        #expect(up.wakeAt == f.now + holds)
        #expect(f.reconciler.weight(of: F.rs1) == 0)
        // Passing on, it stays drained; at the computed time it is restored.
        let held = f.probe(F.rs1, .success, times: 5)
        #expect(held.allSatisfy { $0.changes.isEmpty })
        let settled = f.turn([], after: try #require(up.wakeAt) - f.now)
        #expect(settled.changes == [.restore(F.rs1, to: 1)])
        #expect(
            settled.transitions.map(\.description) == [
                "198.51.100.33:8000/tcp 203.0.113.21:8000: no longer flapping, the penalty decayed below reuse 1.5: back to its checks"
            ])
    }

    @Test func aFlapWhileSuppressedHoldsItLonger() throws {
        var f = F(check: Self.check)
        _ = f.kernel([F.rs1: 1, F.rs2: 1])
        for verdict in [ProbeVerdict.failure("timeout"), .success, .failure("timeout"), .success] {
            _ = f.probe(F.rs1, verdict)
        }
        let first = try #require(f.reconciler.flap(of: F.rs1).flatMap { $0.penalty.reuseAt($0.damping) })
        _ = f.probe(F.rs1, .failure("timeout"))
        let down = f.probe(F.rs1, .success)
        #expect(down.changes == [])
        #expect(try #require(f.reconciler.flap(of: F.rs1).flatMap { $0.penalty.reuseAt($0.damping) }) > first)
    }

    @Test func keepLastKeepsTheLastWeightedServerEvenWhenItFlaps() {
        var f = F(check: Self.check)
        _ = f.kernel([F.rs1: 1])
        for verdict in [ProbeVerdict.failure("timeout"), .success, .failure("timeout"), .success] {
            let decision = f.probe(F.rs1, verdict)
            #expect(decision.changes == [])
        }
        #expect(f.reconciler.flap(of: F.rs1).flatMap { $0.penalty.reuseAt($0.damping) } != nil)
        #expect(f.reconciler.weight(of: F.rs1) == 1)
    }

    @Test func aWeightAnOperatorSetsOnAHeldServerEndsTheHold() {
        var f = F(check: Self.check)
        _ = f.kernel([F.rs1: 1, F.rs2: 1])
        for verdict in [ProbeVerdict.failure("timeout"), .success, .failure("timeout"), .success] {
            _ = f.probe(F.rs1, verdict)
        }
        #expect(f.reconciler.weight(of: F.rs1) == 0)
        let adopted = f.kernel([F.rs1: 3, F.rs2: 1])
        #expect(adopted.changes == [])
        #expect(f.reconciler.flap(of: F.rs1) == nil)
        let passing = f.probe(F.rs1, .success)
        #expect(passing.changes == [])
        #expect(f.reconciler.weight(of: F.rs1) == 3)
    }
}
