import Primitives
import Testing

@testable import Agent

@Suite struct ReconcilerTests {
    typealias F = ReconcilerFixture
    let rs1 = F.rs1
    let rs2 = F.rs2

    @Test func freshStartCountsAServerAtItsWeightAsUpAndDrainsItExactlyAfterFallFailures() {
        var f = F(check: "fall: 3")
        let first = f.kernel([rs1: 7, rs2: 7])
        #expect(first.transitions == [Transition(rs1, .appeared(weight: 7)), Transition(rs2, .appeared(weight: 7))])
        #expect(first.changes == [])
        #expect(f.record(rs1)?.up == true)
        let before = f.probe(rs1, .failure("timeout"), times: 2)
        #expect(before.map(\.changes) == [[], []])
        #expect(before.map(\.transitions) == [[], []])
        let third = f.probe(rs1, .failure("refused"))
        #expect(third.changes == [.drain(rs1, from: 7, "refused")])
        #expect(third.transitions == [Transition(rs1, .down("refused"))])
        #expect(third.stateChanged)
        #expect(f.record(rs1)?.drainedBy == .drcheck)
        #expect(f.reconciler.weight(of: rs1) == 0)
        #expect(f.reconciler.statuses.map(\.weight) == [0, 7])
        #expect(f.reconciler.statuses.map(\.up) == [false, true])
        #expect(f.probe(rs1, .failure("refused")).changes == [])
    }

    /// The daemon publishes only what a turn decided; a status outside it must not have changed.
    @Test func aTurnNamesTheServersItDecidedAndTheirStatusesAreCurrent() {
        var f = F(check: "fall: 1, keep_last: false")
        #expect(f.kernel([rs1: 7, rs2: 7]).decided == [rs1, rs2])
        let drained = f.probe(rs1, .failure("timeout"))
        #expect(drained.decided == [rs1])
        #expect(f.reconciler.status(of: rs1)?.weight == 0)
        #expect(f.reconciler.status(of: rs1)?.up == false)
        #expect(f.reconciler.status(of: rs2) == f.reconciler.statuses.last)
        #expect(f.reconciler.status(of: ServerID(service: rs1.service, server: Endpoint("203.0.113.99:8000")!)) == nil)
        #expect(f.turn([]).decided == [])
    }

    @Test func aSuccessResetsTheFailureCount() {
        var f = F(check: "fall: 2")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        _ = f.probe(rs1, .success)
        #expect(f.probe(rs1, .failure("timeout")).changes == [])
        #expect(f.probe(rs1, .failure("timeout")).changes == [.drain(rs1, from: 7, "timeout")])
    }

    @Test func risesAfterExactlyRiseSuccessesToTheConfiguredWeightNotTheFirstSeenOne() {
        var f = F(check: "fall: 1, rise: 3", servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 1, rs2: 1])
        #expect(f.record(rs1)?.configured == 7)
        #expect(f.record(rs1)?.configuredFrom == .config)
        #expect(f.record(rs2)?.configured == 1)
        #expect(f.record(rs2)?.configuredFrom == .firstSeen)
        #expect(f.probe(rs1, .failure("status")).changes == [.drain(rs1, from: 1, "status")])
        #expect(f.probe(rs1, .success, times: 2).map(\.changes) == [[], []])
        let third = f.probe(rs1, .success)
        #expect(third.changes == [.restore(rs1, to: 7)])
        #expect(third.transitions == [Transition(rs1, .up)])
        #expect(f.record(rs1)?.drainedBy == nil)
    }

    @Test func aRestartWhileDrainedNeedsRiseAndRestoresTheConfiguredWeight() {
        var before = F(check: "fall: 1, rise: 2")
        _ = before.kernel([rs1: 7, rs2: 3])
        _ = before.probe(rs1, .failure("timeout"))
        let saved = before.reconciler.state

        var after = F(check: "fall: 1, rise: 2", state: saved)
        #expect(after.kernel([rs1: 0, rs2: 3]).transitions == [])
        #expect(after.record(rs1)?.up == false)
        #expect(after.probe(rs1, .success).changes == [])
        #expect(after.probe(rs1, .success).changes == [.restore(rs1, to: 7)])
    }

    @Test func anOperatorWeightIsAdoptedAndRestoredAfterTheNextDrain() {
        var f = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.22, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        let adopted = f.kernel([rs1: 7, rs2: 5])
        #expect(adopted.transitions == [Transition(rs2, .adopted(weight: 5))])
        #expect(adopted.changes == [])
        #expect(f.record(rs2)?.configured == 5)
        #expect(f.record(rs2)?.configuredFrom == .adopted)
        #expect(f.probe(rs2, .failure("timeout")).changes == [.drain(rs2, from: 5, "timeout")])
        #expect(f.probe(rs2, .success).changes == [.restore(rs2, to: 5)])
    }

    @Test func aManualZeroIsAnAdministrativeDrainNeverUndone() {
        var f = F(check: "fall: 1, rise: 1")
        _ = f.kernel([rs1: 7, rs2: 7])
        let drained = f.kernel([rs1: 7, rs2: 0])
        #expect(drained.transitions == [Transition(rs2, .administrativeDrain)])
        #expect(drained.changes == [])
        #expect(f.record(rs2)?.drainedBy == .operator)
        #expect(f.probe(rs2, .success, times: 3).flatMap(\.changes) == [])
        #expect(f.probe(rs2, .failure("timeout")).changes == [])
        #expect(f.probe(rs2, .success).changes == [])
        // The operator gives it a weight again: adopted, and from then on drcheck manages it.
        #expect(f.kernel([rs1: 7, rs2: 4]).transitions == [Transition(rs2, .adopted(weight: 4))])
        #expect(f.probe(rs2, .failure("timeout")).changes == [.drain(rs2, from: 4, "timeout")])
    }

    @Test func aServerFirstSeenAtZeroIsAdministrativelyDrained() {
        var f = F(check: "fall: 1, rise: 1")
        let first = f.kernel([rs1: 7, rs2: 0])
        #expect(first.transitions.last == Transition(rs2, .administrativeDrain))
        #expect(f.record(rs2)?.configured == nil)
        #expect(f.probe(rs2, .success).changes == [])
    }

    @Test func keepLastKeepsTheLastWeightedServerAndReportsPanicUntilAnotherRecovers() {
        var f = F(check: "fall: 1, rise: 1, keep_last: true")
        _ = f.kernel([rs1: 7, rs2: 7])
        #expect(f.probe(rs1, .failure("timeout")).changes == [.drain(rs1, from: 7, "timeout")])
        let last = f.probe(rs2, .failure("refused"))
        #expect(last.changes == [])
        #expect(
            last.transitions == [
                Transition(rs2, .down("refused")), Transition(service: F.service, server: nil, kind: .panic),
            ])
        #expect(f.reconciler.panics == [F.service])
        #expect(f.reconciler.statuses.map(\.keptByKeepLast) == [false, true])
        #expect(f.probe(rs2, .failure("refused")).transitions == [])
        let recovered = f.probe(rs1, .success)
        #expect(recovered.changes == [.restore(rs1, to: 7), .drain(rs2, from: 7, "refused")])
        #expect(
            recovered.transitions == [
                Transition(rs1, .up), Transition(service: F.service, server: nil, kind: .panicOver),
            ])
        #expect(f.reconciler.panics == [])
    }

    @Test func keepLastPanicEndsWhenTheKeptServerRecovers() {
        var f = F(check: "fall: 1, rise: 1")
        _ = f.kernel([rs1: 7, rs2: 7])
        let both = f.turn([.probed(rs1, .failure("timeout")), .probed(rs2, .failure("timeout"))])
        // The first in order keeps its weight.
        #expect(both.changes == [.drain(rs2, from: 7, "timeout")])
        #expect(both.transitions.last == Transition(service: F.service, server: nil, kind: .panic))
        let back = f.probe(rs1, .success)
        #expect(back.changes == [])
        #expect(
            back.transitions == [Transition(rs1, .up), Transition(service: F.service, server: nil, kind: .panicOver)])
    }

    @Test func keepLastCountsAnAdministrativelyDrainedServerAsWithoutWeight() {
        let rs3 = ServerID(service: F.service, server: Endpoint("203.0.113.23:8000")!)
        var f = F(check: "fall: 1")
        _ = f.kernel([rs1: 7, rs2: 7, rs3: 0])
        #expect(f.probe(rs2, .failure("timeout")).changes == [.drain(rs2, from: 7, "timeout")])
        let last = f.probe(rs1, .failure("timeout"))
        #expect(last.changes == [])
        #expect(last.transitions.last == Transition(service: F.service, server: nil, kind: .panic))
    }

    @Test func keepLastOffDrainsEveryServer() {
        var f = F(check: "fall: 1, keep_last: false")
        _ = f.kernel([rs1: 7, rs2: 3])
        let both = f.turn([.probed(rs1, .failure("timeout")), .probed(rs2, .failure("timeout"))])
        #expect(both.changes == [.drain(rs1, from: 7, "timeout"), .drain(rs2, from: 3, "timeout")])
        #expect(f.reconciler.panics == [])
    }

    @Test func slowStartRampsInStepsToTheConfiguredWeight() {
        var f = F(check: "fall: 1, rise: 1, slow_start: 6s", servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        let start = f.probe(rs1, .success)
        let t0 = f.now
        #expect(start.changes == [WeightChange(id: rs1, from: 0, to: 1, reason: .slowStart(step: 1, steps: 7))])
        #expect(start.wakeAt == t0 + .seconds(1))
        #expect(f.record(rs1)?.ramping == true)
        var weights = [1]
        var wake = start.wakeAt
        while let next = wake {
            let decision = f.turn([], after: next - f.now)
            weights += decision.changes.map(\.to)
            wake = decision.wakeAt
        }
        #expect(weights == [1, 2, 3, 4, 5, 6, 7])
        #expect(f.now == t0 + .seconds(6))
        #expect(f.record(rs1)?.ramping == false)
        #expect(f.reconciler.weight(of: rs1) == 7)
    }

    @Test func slowStartSkipsStepsWhenCalledLateAndReachesTheWeightAtTheEnd() {
        var f = F(check: "fall: 1, rise: 1, slow_start: 10s", servers: "{address: 203.0.113.21, weight: 100}")
        _ = f.kernel([rs1: 100, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.probe(rs1, .success).changes.map(\.to) == [1])
        #expect(
            f.turn([], after: .milliseconds(3500)).changes
                == [WeightChange(id: rs1, from: 1, to: 30, reason: .slowStart(step: 4, steps: 11))])
        #expect(
            f.turn([], after: .seconds(60)).changes
                == [WeightChange(id: rs1, from: 30, to: 100, reason: .slowStart(step: 11, steps: 11))])
    }

    @Test func aFailedWriteIsRetriedOnTheNextTurnAfterTheRetryDelay() {
        var f = F(check: "fall: 1")
        _ = f.kernel([rs1: 7, rs2: 7])
        let drain = f.probe(rs1, .failure("timeout"))
        #expect(drain.changes == [.drain(rs1, from: 7, "timeout")])
        let retry = f.reconciler.writeFailed(drain.changes[0], at: f.now)
        #expect(retry == f.now + .seconds(1))
        #expect(f.reconciler.weight(of: rs1) == 7)
        #expect(f.turn([], after: .milliseconds(500)).changes == [])
        let again = f.turn([], after: .milliseconds(500))
        #expect(again.changes == [.drain(rs1, from: 7, "timeout")])
        #expect(again.wakeAt == nil)
        // The kernel now shows what drcheck wrote: not taken for someone else's change.
        #expect(f.kernel([rs1: 0, rs2: 7]).transitions == [])
    }

    @Test func dryRunDecidesButWritesNothingAndDoesNotMistakeTheKernelForAnOperator() {
        var f = F(check: "fall: 1, rise: 1", dryRun: true)
        _ = f.kernel([rs1: 7, rs2: 7])
        let drain = f.probe(rs1, .failure("timeout"))
        #expect(drain.changes == [])
        #expect(drain.wouldChange == [.drain(rs1, from: 7, "timeout")])
        #expect(f.kernel([rs1: 7, rs2: 7]).transitions == [])
        #expect(f.probe(rs1, .failure("timeout")).wouldChange == [])
        #expect(f.probe(rs1, .success).wouldChange == [.restore(rs1, to: 7)])
    }

    @Test func inconclusiveFailuresDrainNothing() {
        var f = F(check: "fall: 2")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.probe(rs1, .inconclusive("dr_path"), times: 5).flatMap(\.changes) == [])
        #expect(f.record(rs1)?.failures == 1)
        #expect(f.probe(rs1, .failure("timeout")).changes == [.drain(rs1, from: 7, "timeout")])
    }

    /// Only a result that could move a server's health makes the daemon read its DR probe service first.
    @Test func aResultConfirmsHealthOnlyWhenItBringsNoChangeCloser() {
        var f = F(check: "fall: 2, rise: 2")
        let unknown = ServerID(service: F.service, server: Endpoint("203.0.113.99:8000")!)
        #expect(f.reconciler.confirms(.failure("timeout"), for: unknown))
        _ = f.kernel([rs1: 7, rs2: 7])
        #expect(f.reconciler.confirms(.success, for: rs1))
        #expect(!f.reconciler.confirms(.failure("timeout"), for: rs1))
        #expect(f.reconciler.confirms(.inconclusive("timeout"), for: rs1))
        _ = f.probe(rs1, .failure("timeout"))
        #expect(!f.reconciler.confirms(.success, for: rs1))
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.record(rs1)?.up == false)
        #expect(f.reconciler.confirms(.failure("connect_refused"), for: rs1))
        #expect(!f.reconciler.confirms(.success, for: rs1))
        _ = f.probe(rs1, .success)
        #expect(!f.reconciler.confirms(.failure("connect_refused"), for: rs1))
    }

    @Test func aReloadNamingANewWeightMakesItTheConfiguredOne() throws {
        var f = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        var config = f.reconciler.config
        config.services[0].realServers[0].weight = 9
        _ = f.turn([.configChanged(config)])
        #expect(f.record(rs1)?.configured == 9)
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.probe(rs1, .success).changes == [.restore(rs1, to: 9)])
    }

    /// The config `F` builds with rs1 at `weight`, as a reload would bring it.
    func reloaded(_ f: F, rs1 weight: Int) -> Config {
        var config = f.reconciler.config
        config.services[0].realServers[0].weight = weight
        return config
    }

    @Test func aReloadSetsTheNewWeightOfAHealthyServerAtOnceAndOnlyOnce() {
        var f = F(servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        let decision = f.turn([.configChanged(reloaded(f, rs1: 9))])
        #expect(decision.changes == [WeightChange(id: rs1, from: 7, to: 9, reason: .reconfigured)])
        #expect(decision.changes.first?.description.hasSuffix("weight 7 -> 9, configured weight changed") == true)
        #expect(f.record(rs1)?.weight == 9)
        #expect(f.turn([.configChanged(reloaded(f, rs1: 9))]).changes == [])
        #expect(f.probe(rs1, .success).changes == [])
    }

    @Test func aReloadLeavesDrainedServersAtZeroUntilTheyRecover() {
        var f = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.turn([.configChanged(reloaded(f, rs1: 9))]).changes == [])
        #expect(f.probe(rs1, .success).changes == [.restore(rs1, to: 9)])
    }

    @Test func aReloadLeavesAnAdministrativeDrainAlone() {
        var f = F(servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.kernel([rs1: 0, rs2: 7])
        #expect(f.turn([.configChanged(reloaded(f, rs1: 9))]).changes == [])
        #expect(f.record(rs1)?.drainedBy == .operator)
    }

    @Test func anOperatorsWeightStandsUntilAReloadNamesANewOne() {
        var f = F(servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.kernel([rs1: 4, rs2: 7])
        #expect(f.turn([.configChanged(reloaded(f, rs1: 7))]).changes == [])
        #expect(
            f.turn([.configChanged(reloaded(f, rs1: 5))]).changes == [
                WeightChange(id: rs1, from: 4, to: 5, reason: .reconfigured)
            ])
    }

    @Test func aDryRunReloadOnlySaysWhatItWouldSet() {
        var f = F(servers: "{address: 203.0.113.21, weight: 7}", dryRun: true)
        _ = f.kernel([rs1: 7, rs2: 7])
        let decision = f.turn([.configChanged(reloaded(f, rs1: 9))])
        #expect(decision.changes == [])
        #expect(decision.wouldChange == [WeightChange(id: rs1, from: 7, to: 9, reason: .reconfigured)])
    }

    @Test func aReloadsWeightThatCouldNotBeSetIsRetried() {
        var f = F(servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        let reload = f.turn([.configChanged(reloaded(f, rs1: 9))])
        _ = f.reconciler.writeFailed(reload.changes[0], at: f.now)
        #expect(f.reconciler.weight(of: rs1) == 7)
        #expect(
            f.turn([], after: .seconds(1)).changes == [WeightChange(id: rs1, from: 7, to: 9, reason: .reconfigured)])
    }

    @Test func aReloadDuringSlowStartEndsTheRampAtTheNewWeight() {
        var f = F(check: "fall: 1, rise: 1, slow_start: 10s", servers: "{address: 203.0.113.21, weight: 7}")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .failure("timeout"))
        #expect(f.probe(rs1, .success).changes.map(\.to) == [1])
        #expect(f.turn([.configChanged(reloaded(f, rs1: 11))]).changes == [])
        _ = f.turn([], after: .seconds(10))
        #expect(f.record(rs1)?.weight == 11)
        #expect(f.record(rs1)?.ramping == false)
    }

    @Test func aStartWithAnEditedConfigSetsAHealthyServersNewWeight() {
        var before = F(servers: "{address: 203.0.113.21, weight: 7}")
        _ = before.kernel([rs1: 7, rs2: 7])
        var after = F(servers: "{address: 203.0.113.21, weight: 9}", state: before.reconciler.state)
        #expect(
            after.kernel([rs1: 7, rs2: 7]).changes == [WeightChange(id: rs1, from: 7, to: 9, reason: .reconfigured)])
    }

    @Test func aRestartWithANewConfigWeightRestoresTheNewOne() {
        var before = F(check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 7}")
        _ = before.kernel([rs1: 7, rs2: 7])
        _ = before.probe(rs1, .failure("timeout"))
        var after = F(
            check: "fall: 1, rise: 1", servers: "{address: 203.0.113.21, weight: 9}", state: before.reconciler.state)
        #expect(after.record(rs1)?.configured == 9)
        #expect(after.kernel([rs1: 0, rs2: 7]).stateChanged)
        #expect(after.probe(rs1, .success).changes == [.restore(rs1, to: 9)])
    }

    @Test func destinationsAndServicesThatGoAwayAreForgotten() {
        var f = F()
        _ = f.kernel([rs1: 7, rs2: 7])
        #expect(f.kernel([rs1: 7]).transitions == [Transition(rs2, .disappeared)])
        #expect(f.reconciler.state.servers.keys.sorted() == [rs1])
        _ = f.turn([.serviceGone(F.service)])
        #expect(f.reconciler.state.servers.isEmpty)
        #expect(f.probe(rs1, .failure("timeout")).changes == [])
    }

    /// IPVS flushed (ip_vs unloaded) and its saved rules restored: the server drcheck drained comes back at 0 and is
    /// still drcheck's drain, restored once it passes `rise` times; an operator's drain stays the operator's.
    @Test func aDrainedServerWhoseServiceVanishesAndComesBackAtZeroIsStillDrcheckDrain() {
        var f = F(check: "fall: 1, rise: 2")
        _ = f.kernel([rs1: 7, rs2: 7])
        #expect(f.probe(rs2, .failure("connect_refused")).changes == [.drain(rs2, from: 7, "connect_refused")])
        _ = f.turn([.serviceGone(F.service)])
        #expect(f.reconciler.state.servers.isEmpty)
        let back = f.kernel([rs1: 7, rs2: 0])
        #expect(back.transitions == [Transition(rs1, .appeared(weight: 7)), Transition(rs2, .appeared(weight: 0))])
        #expect(back.changes == [])
        #expect(f.record(rs2)?.drainedBy == .drcheck)
        #expect(f.record(rs2)?.up == false)
        #expect(f.record(rs2)?.configured == 7)
        #expect(f.probe(rs2, .success).changes == [])
        #expect(f.probe(rs2, .success).changes == [.restore(rs2, to: 7)])
    }

    @Test func aVanishedServerBackAtAWeightIsSeenAfreshAndAnOperatorsDrainStaysTheirs() {
        var f = F(check: "fall: 1")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs2, .failure("connect_refused"))
        _ = f.kernel([rs1: 0, rs2: 0])
        #expect(f.record(rs1)?.drainedBy == .operator)
        #expect(f.kernel([:]).transitions == [Transition(rs1, .disappeared), Transition(rs2, .disappeared)])
        let back = f.kernel([rs1: 0, rs2: 5])
        #expect(back.transitions.contains(Transition(rs1, .administrativeDrain)))
        #expect(f.record(rs1)?.drainedBy == .operator)
        #expect(f.record(rs2)?.up == true)
        #expect(f.record(rs2)?.configured == 5)
        #expect(f.reconciler.vanished.isEmpty)
    }

    @Test func countersStopAtRiseAndFallSoHealthyTurnsLeaveTheStateAlone() {
        var f = F(check: "rise: 2")
        _ = f.kernel([rs1: 7, rs2: 7])
        _ = f.probe(rs1, .success, times: 2)
        #expect(f.probe(rs1, .success).stateChanged == false)
        #expect(f.record(rs1)?.successes == 2)
    }
}
