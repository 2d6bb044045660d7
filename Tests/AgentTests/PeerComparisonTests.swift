import Primitives
import Testing

@testable import Agent

/// Peers' verdicts against this director's: a disagreement counts once it has lasted 10 s; a peer not read, or one
/// that agrees again, has none.
struct PeerComparisonTests {
    private typealias F = ReconcilerFixture
    static let peer = "198.51.100.4:9469"

    @Test func aDisagreementIsReportedOnceItLasted10SecondsAndEndsWhenTheyAgree() {
        var comparison = PeerComparison()
        let ours = [F.rs1: false, F.rs2: true]
        let theirs = [F.rs1: true, F.rs2: true]
        #expect(comparison.compare(peer: Self.peer, theirs: theirs, ours: ours, at: .seconds(0)).began.isEmpty)
        #expect(comparison.compare(peer: Self.peer, theirs: theirs, ours: ours, at: .seconds(9)).began.isEmpty)
        let lasted = comparison.compare(peer: Self.peer, theirs: theirs, ours: ours, at: .seconds(10))
        let disagreement = PeerComparison.Disagreement(peer: Self.peer, id: F.rs1, ours: false)
        #expect(lasted.began == [disagreement])
        #expect(
            disagreement.description == "198.51.100.33:8000/tcp 203.0.113.21:8000: down here, up at peer \(Self.peer)")
        #expect(comparison.reported == [disagreement])
        #expect(comparison.compare(peer: Self.peer, theirs: theirs, ours: ours, at: .seconds(12)).began.isEmpty)
        let agreed = comparison.compare(
            peer: Self.peer, theirs: theirs, ours: [F.rs1: true, F.rs2: true], at: .seconds(14))
        #expect(agreed.ended == [disagreement])
        #expect(comparison.reported.isEmpty)
    }

    @Test func aFlipResetsTheClockAndAPeerNotReadEndsItsDisagreements() {
        var comparison = PeerComparison()
        _ = comparison.compare(peer: Self.peer, theirs: [F.rs1: true], ours: [F.rs1: false], at: .seconds(0))
        // Both flip at 5 s: still a disagreement, but another one.
        _ = comparison.compare(peer: Self.peer, theirs: [F.rs1: false], ours: [F.rs1: true], at: .seconds(5))
        #expect(
            comparison.compare(peer: Self.peer, theirs: [F.rs1: false], ours: [F.rs1: true], at: .seconds(12)).began
                .isEmpty)
        let lasted = comparison.compare(peer: Self.peer, theirs: [F.rs1: false], ours: [F.rs1: true], at: .seconds(15))
        #expect(lasted.began.map(\.ours) == [true])
        let unread = comparison.compare(peer: Self.peer, theirs: nil, ours: [F.rs1: true], at: .seconds(16))
        #expect(unread.ended.count == 1)
        #expect(comparison.reported.isEmpty)
    }

    @Test func serversOnlyOneSideKnowsAreNotComparedAndPeersAreApart() {
        var comparison = PeerComparison()
        let other = "198.51.100.5:9469"
        _ = comparison.compare(peer: Self.peer, theirs: [F.rs2: false], ours: [F.rs1: true], at: .seconds(0))
        _ = comparison.compare(peer: other, theirs: [F.rs1: false], ours: [F.rs1: true], at: .seconds(0))
        _ = comparison.compare(peer: Self.peer, theirs: [F.rs2: false], ours: [F.rs1: true], at: .seconds(10))
        let lasted = comparison.compare(peer: other, theirs: [F.rs1: false], ours: [F.rs1: true], at: .seconds(10))
        #expect(lasted.began.map(\.peer) == [other])
        #expect(comparison.forget(peer: other).count == 1)
        #expect(comparison.reported.isEmpty)
    }

    @Test func peersAreListenAddressesGivenOnce() throws {
        let config = try ConfigTests().parse("peers: [\"198.51.100.4:9469\", \"[2001:db8::4]:9469\"]\n")
        #expect(config.peers == [Endpoint("198.51.100.4:9469")!, Endpoint("[2001:db8::4]:9469")!])
        #expect(
            ConfigTests().error("peers: [\"lvs2\"]\n").hasSuffix(
                "not an IP:port (another director's drcheck listen address): \"lvs2\""))
        #expect(
            ConfigTests().error("peers: [\"198.51.100.4:9469\", \"198.51.100.4:9469\"]\n").hasSuffix(
                "198.51.100.4:9469 given twice"))
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("peers:\n- \"198.51.100.4:9469\"\n- \"[2001:db8::4]:9469\"\n"))
        #expect(try ConfigParser.parse(yaml: printed, file: "printed.yaml") == config)
        #expect(!ConfigPrinter.yaml(Config()).contains("peers"))
    }
}
