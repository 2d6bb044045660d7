import Testing

@testable import Daemon
@testable import Probe

/// What a failed DR probe and its RIP probe say together.
struct DRPathVerdictTests {
    static func result(_ probeClass: ProbeClass) -> ProbeResult {
        ProbeResult(probeClass, duration: .milliseconds(2), detail: probeClass == .ok ? "" : "why")
    }

    @Test func failingThroughTheVIPWhileTheRIPAnswersIsDRPath() {
        let verdict = DRPathVerdict.classify(dr: Self.result(.timeout), rip: Self.result(.ok))
        #expect(verdict.probeClass == .drPath)
        #expect(verdict.detail == "\(DRPathVerdict.explanation) (through the VIP: timeout)")
    }

    @Test func aProbeTheDirectorCouldNotMakeIsNeverDRPath() {
        let verdict = DRPathVerdict.classify(dr: Self.result(.localError), rip: Self.result(.ok))
        #expect(verdict == Self.result(.localError))
    }

    @Test func theDRProbeStandsWhenItPassedOrTheRIPFailedToo() {
        #expect(DRPathVerdict.classify(dr: Self.result(.ok), rip: Self.result(.timeout)) == Self.result(.ok))
        let both = DRPathVerdict.classify(dr: Self.result(.connectRefused), rip: Self.result(.connectRefused))
        #expect(both == Self.result(.connectRefused))
    }
}
