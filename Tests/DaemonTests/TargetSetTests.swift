import Agent
import Exporter
import Primitives
import Probe
import Testing

@testable import Daemon

@Suite struct TargetSetTests {
    static let service = ServiceKey("198.51.100.10:80/tcp")!

    static func id(_ last: Int) -> ServerID {
        ServerID(service: service, server: Endpoint("203.0.113.\(last):80")!)
    }

    /// A target of server `last` running `program`.
    static func target(_ last: Int, _ program: String = "/bin/true") -> ProbeTarget {
        ProbeTarget(
            id: id(last), labels: ServerLabels(service: "web", realServer: "203.0.113.\(last):80"),
            intervals: CheckIntervals(steady: .seconds(1)), fall: 3,
            check: .command(CommandCheck(argv: [program], timeout: .seconds(1))))
    }

    static func targets(_ list: ProbeTarget...) -> [ServerID: ProbeTarget] {
        Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
    }

    @Test func replacingTellsTheTargetsGoneAndThoseNewOrChangedWithTheirPredecessor() {
        let set = TargetSet()
        let first = set.replace(with: Self.targets(Self.target(11), Self.target(12)))
        #expect(first.gone.isEmpty)
        #expect(first.changed.map(\.new.id).sorted() == [Self.id(11), Self.id(12)])
        #expect(first.changed.allSatisfy { $0.old == nil })
        let second = set.replace(with: Self.targets(Self.target(12, "/bin/false"), Self.target(13)))
        #expect(second.gone == [Self.target(11)])
        let changed = second.changed.sorted { $0.new.id < $1.new.id }
        #expect(changed.map(\.old) == [Self.target(12), nil])
        #expect(changed.map(\.new) == [Self.target(12, "/bin/false"), Self.target(13)])
        #expect(set[Self.id(12)] == Self.target(12, "/bin/false"))
        #expect(set[Self.id(11)] == nil)
        #expect(set.count == 2)
        // The same targets again: nothing to do.
        let third = set.replace(with: set.all)
        #expect(third.gone.isEmpty && third.changed.isEmpty)
    }

    @Test func aNoteIsOverOnlyForAServerNotedBefore() {
        let set = TargetSet()
        #expect(set.note([Self.id(11), Self.id(12)]).isEmpty)
        #expect(set.note([Self.id(12), Self.id(13)]) == [Self.id(11)])
        #expect(set.note([]) == [Self.id(12), Self.id(13)])
        #expect(set.note([]).isEmpty)
    }

    @Test func readyOnceEveryTargetIsProbedOnceAndForGood() {
        let set = TargetSet()
        _ = set.replace(with: Self.targets(Self.target(11), Self.target(12), Self.target(13)))
        // Server 11 was probed before this pass made its target again.
        #expect(!set.awaitFirstProbes(probedBefore: { $0 == Self.id(11) }))
        #expect(!set.probed(Self.id(11)))
        #expect(!set.probed(Self.id(12)))
        #expect(!set.ready)
        #expect(set.probed(Self.id(13)))
        #expect(set.ready)
        // Ready stays, whatever comes: it is told once.
        _ = set.replace(with: Self.targets(Self.target(14)))
        #expect(!set.awaitFirstProbes(probedBefore: { _ in false }))
        #expect(!set.probed(Self.id(14)))
        #expect(set.ready)
    }

    @Test func aPassWithEveryTargetProbedBeforeMakesItReady() {
        let set = TargetSet()
        #expect(set.awaitFirstProbes(probedBefore: { _ in false }))
        #expect(set.ready)
    }
}
