import Primitives
import Testing

@testable import Agent

/// Shadow mode's comparison: a disagreement is reported once it has lasted the grace, once, and its end once.
struct ShadowComparisonTests {
    typealias F = ReconcilerFixture
    typealias View = ShadowComparison.View

    @Test func aDisagreementIsReportedAfterTheGraceAndItsEndOnce() {
        var shadow = ShadowComparison()
        let agree = [F.rs1: View(up: true, weight: 5), F.rs2: View(up: true, weight: 5)]
        var views = agree
        #expect(shadow.compare(views, at: .seconds(0)) == ([], []))
        views[F.rs1] = View(up: false, weight: 5)
        #expect(shadow.compare(views, at: .seconds(1)) == ([], []))
        #expect(shadow.compare(views, at: .seconds(10)) == ([], []))
        let (began, ended) = shadow.compare(views, at: .seconds(11))
        #expect(began.map(\.description) == ["\(F.rs1): drcheck finds it down, the kernel has it at weight 5"])
        #expect(ended == [])
        #expect(shadow.compare(views, at: .seconds(12)) == ([], []))
        #expect(shadow.reported.keys.sorted() == [F.rs1])
        #expect(shadow.compare(agree, at: .seconds(13)) == ([], [F.rs1]))
        #expect(shadow.reported.isEmpty)
    }

    @Test func aShortDisagreementIsNeverReported() {
        var shadow = ShadowComparison()
        _ = shadow.compare([F.rs1: View(up: true, weight: 0)], at: .seconds(0))
        #expect(shadow.compare([F.rs1: View(up: false, weight: 0)], at: .seconds(4)) == ([], []))
        #expect(shadow.compare([F.rs1: View(up: false, weight: 0)], at: .seconds(30)) == ([], []))
    }

    @Test func aGoneServerEndsItsDisagreement() {
        var shadow = ShadowComparison()
        _ = shadow.compare([F.rs1: View(up: true, weight: 0)], at: .seconds(0))
        #expect(shadow.compare([F.rs1: View(up: true, weight: 0)], at: .seconds(10)).began.count == 1)
        #expect(shadow.compare([:], at: .seconds(11)) == ([], [F.rs1]))
    }
}
