import EventLoop
import Primitives
import Testing

@testable import Daemon

/// A DR probe counts only when its probe service was verified before it began and not doubted since.
@Suite struct ProbeServiceLedgerTests {
    static let rs1 = IPAddress("203.0.113.21")!
    static let rs2 = IPAddress("203.0.113.22")!
    let path1 = DRPath(mark: 0x4452_0000, server: rs1, interface: "lvs-rs")
    let path2 = DRPath(mark: 0x4452_0001, server: rs2, interface: "lvs-rs")

    static func at(_ seconds: UInt64) -> Monotonic { Monotonic(nanoseconds: seconds * 1_000_000_000) }

    @Test func aProbeCountsOnlyWhenItBeganAfterItsServiceWasVerified() {
        var ledger = ProbeServiceLedger()
        #expect(!ledger.trusts(path1, since: Self.at(10)))
        ledger.verified(Self.rs1, mark: path1.mark, at: Self.at(10))
        #expect(ledger.trusts(path1, since: Self.at(10)))
        #expect(ledger.trusts(path1, since: Self.at(11)))
        #expect(!ledger.trusts(path1, since: Self.at(9)))
        #expect(!ledger.trusts(DRPath(mark: path2.mark, server: Self.rs1, interface: "lvs-rs"), since: Self.at(11)))
        #expect(ledger.isVerified(Self.rs1, mark: path1.mark))
        #expect(!ledger.isVerified(Self.rs1, mark: path2.mark))
    }

    /// A probe in flight when the service was made again began before it, and counts neither way.
    @Test func remakingAServiceDiscountsProbesInFlight() {
        var ledger = ProbeServiceLedger()
        ledger.verified(Self.rs1, mark: path1.mark, at: Self.at(10))
        ledger.verified(Self.rs1, mark: path1.mark, at: Self.at(20))
        #expect(!ledger.trusts(path1, since: Self.at(15)))
        #expect(ledger.trusts(path1, since: Self.at(20)))
    }

    @Test func anIPVSErrorDistrustsEveryServiceAndACreationFailureOne() {
        var ledger = ProbeServiceLedger()
        ledger.verified(Self.rs1, mark: path1.mark, at: Self.at(10))
        ledger.verified(Self.rs2, mark: path2.mark, at: Self.at(10))
        ledger.distrust(Self.rs2)
        #expect(ledger.trusts(path1, since: Self.at(11)))
        #expect(!ledger.trusts(path2, since: Self.at(11)))
        ledger.distrustAll()
        #expect(!ledger.trusts(path1, since: Self.at(11)))
        #expect(ledger.entries == [Self.rs1: .init(mark: path1.mark), Self.rs2: .init(mark: path2.mark)])
    }

    @Test func serversNoTargetNeedsAreForgotten() {
        var ledger = ProbeServiceLedger()
        ledger.verified(Self.rs1, mark: path1.mark, at: Self.at(10))
        ledger.verified(Self.rs2, mark: path2.mark, at: Self.at(10))
        ledger.forget(allBut: [Self.rs2])
        #expect(ledger.entries == [Self.rs2: .init(mark: path2.mark, verifiedAt: Self.at(10))])
        #expect(ledger.known == [Self.rs1, Self.rs2])
    }
}
