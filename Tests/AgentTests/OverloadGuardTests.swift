import Testing

@testable import Agent

/// The overload guard's rules, on a fake clock (AgentTime values).
@Suite struct OverloadGuardTests {
    @Test(
        arguments: [
            (1000, 0, true), (1000, 250, true), (1000, 251, false), (300, 75, true), (300, 76, false),
            (1000, 5000, false),
        ] as [(Int, Int, Bool)])
    func aTimeoutCountsOnlyWhenTheLoopWasAtMostAQuarterOfItLate(timeout: Int, late: Int, trusted: Bool) {
        #expect(OverloadGuard.trusts(timeout: .milliseconds(timeout), lateness: .milliseconds(late)) == trusted)
    }

    @Test func onScheduleIsNeverOverloaded() {
        var guardian = OverloadGuard()
        for tick in 0..<100 {
            let change = guardian.started(
                delay: .milliseconds(200), waited: false, sincePrevious: tick > 0 ? .seconds(1) : nil,
                interval: .seconds(1), at: .milliseconds(tick * 1000))
            #expect(change.isEmpty)
        }
        #expect(!guardian.overloaded)
        #expect(guardian.last.achievedInterval == .seconds(1))
    }

    @Test func aLateStartBeginsItOnceAndCalmEndsItOnce() {
        var guardian = OverloadGuard()
        #expect(
            guardian.started(delay: .zero, waited: false, sincePrevious: nil, interval: .seconds(1), at: .zero).isEmpty)
        let began = guardian.started(
            delay: .milliseconds(251), waited: false, sincePrevious: .milliseconds(3_400), interval: .seconds(1),
            at: .seconds(1))
        #expect(
            began == [
                .began(
                    OverloadGuard.Summary(
                        achievedInterval: .milliseconds(3_400), configuredInterval: .seconds(1),
                        worstStartDelay: .milliseconds(251), discounted: 0))
            ])
        #expect(guardian.overloaded)
        // Further trouble is not reported again.
        #expect(guardian.discounted(at: .seconds(2)).isEmpty)
        #expect(
            guardian.started(delay: .zero, waited: true, sincePrevious: nil, interval: .seconds(1), at: .seconds(5))
                .isEmpty)
        // Calm for less than 10 s: still overloaded.
        #expect(guardian.tick(at: .milliseconds(14_999)) == nil)
        #expect(guardian.overloaded)
        let ended = guardian.tick(at: .seconds(15))
        guard case .ended = ended else {
            Issue.record("expected the overload to end, got \(String(describing: ended))")
            return
        }
        #expect(!guardian.overloaded)
        #expect(guardian.tick(at: .seconds(30)) == nil)
    }

    @Test func waitingForRoomOrADiscountedTimeoutIsOverload() {
        var waited = OverloadGuard()
        _ = waited.tick(at: .zero)
        #expect(
            waited.started(delay: .zero, waited: true, sincePrevious: nil, interval: .seconds(1), at: .seconds(1))
                .count == 1)
        var discounted = OverloadGuard()
        _ = discounted.tick(at: .zero)
        let began = discounted.discounted(at: .seconds(1))
        #expect(
            began == [
                .began(
                    OverloadGuard.Summary(
                        achievedInterval: nil, configuredInterval: nil, worstStartDelay: .zero, discounted: 1))
            ])
    }

    @Test func troubleRightAfterTheCalmEndsTheOverloadAndBeginsANewOne() {
        var guardian = OverloadGuard()
        _ = guardian.tick(at: .zero)
        #expect(guardian.discounted(at: .seconds(1)).count == 1)
        // Nothing for 12 s (no tick either), then a discounted timeout: calm lasted 10 s, so it ended, and it begins
        // again; both are said, in that order.
        let changes = guardian.discounted(at: .seconds(13))
        #expect(changes.count == 2)
        guard changes.count == 2, case .ended = changes[0], case .began(let summary) = changes[1] else {
            Issue.record("expected ended then began, got \(changes)")
            return
        }
        #expect(summary.discounted == 1)
        #expect(guardian.overloaded)
    }

    @Test func theAchievedIntervalIsTheMeanOverTheLastWindow() {
        var guardian = OverloadGuard()
        _ = guardian.tick(at: .zero)
        for (at, since) in [(1, 2), (2, 4), (3, 3)] {
            _ = guardian.started(
                delay: .zero, waited: false, sincePrevious: .seconds(since), interval: .seconds(1), at: .seconds(at))
        }
        // The window is still open: the last full window had none.
        #expect(guardian.last.achievedInterval == nil)
        _ = guardian.tick(at: .seconds(10))
        #expect(guardian.last.achievedInterval == .seconds(3))
        #expect(guardian.last.configuredInterval == .seconds(1))
    }
}
