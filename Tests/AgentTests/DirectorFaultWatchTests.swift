import Primitives
import Testing

@testable import Agent

struct DirectorFaultWatchTests {
    typealias Table = DirectorFaultWatch.Reading.Table

    private func reading(
        v4: Table? = nil, v6: Table? = nil, conntrack: (Int, Int)? = nil
    ) -> DirectorFaultWatch.Reading {
        var reading = DirectorFaultWatch.Reading()
        reading.neighbourTables[.ipv4] = v4
        reading.neighbourTables[.ipv6] = v6
        (reading.conntrackCount, reading.conntrackMax) = (conntrack?.0, conntrack?.1)
        return reading
    }

    @Test func aTableThatRefusesEntriesIsFullUntilThreeReadingsRefuseNone() {
        var watch = DirectorFaultWatch()
        #expect(watch.update(reading(v6: Table(entries: 1023, hard: 1024, fulls: 7))) == [])
        #expect(
            watch.update(reading(v6: Table(entries: 1023, hard: 1024, fulls: 184)))
                == [
                    .began(
                        .neighbourTableFull(.ipv6),
                        "1023 entries against gc_thresh3 1024, 177 new one(s) refused since the last reading")
                ])
        #expect(watch.isActive(.neighbourTableFull(.ipv6)))
        #expect(!watch.isActive(.neighbourTableFull(.ipv4)))
        // Still refusing: said once.
        #expect(watch.update(reading(v6: Table(entries: 1023, hard: 1024, fulls: 361))) == [])
        // The thresholds raised: the count stops; it ends on the third calm reading, a refusal between resets it.
        #expect(watch.update(reading(v6: Table(entries: 1200, hard: 4096, fulls: 361))) == [])
        #expect(watch.update(reading(v6: Table(entries: 1200, hard: 4096, fulls: 362))) == [])
        #expect(watch.update(reading(v6: Table(entries: 1200, hard: 4096, fulls: 362))) == [])
        #expect(watch.update(reading(v6: Table(entries: 1200, hard: 4096, fulls: 362))) == [])
        #expect(
            watch.update(reading(v6: Table(entries: 1200, hard: 4096, fulls: 362)))
                == [.ended(.neighbourTableFull(.ipv6), "3 readings in a row without it")])
        #expect(!watch.isActive(.neighbourTableFull(.ipv6)))
    }

    @Test func aTableAtItsHardLimitIsFullOnItsFirstReading() {
        var watch = DirectorFaultWatch()
        #expect(
            watch.update(reading(v4: Table(entries: 1024, hard: 1024, fulls: 0)))
                == [
                    .began(
                        .neighbourTableFull(.ipv4),
                        "1024 entries against gc_thresh3 1024, 0 new one(s) refused since the last reading")
                ])
    }

    @Test func aTableBelowItsLimitThatRefusesNothingIsNotFull() {
        var watch = DirectorFaultWatch()
        for entries in [0, 900, 1023, 1023] {
            #expect(watch.update(reading(v4: Table(entries: entries, hard: 1024, fulls: 5))) == [])
        }
        #expect(watch.active.isEmpty)
    }

    @Test func conntrackAtItsMaximumIsFull() {
        var watch = DirectorFaultWatch()
        #expect(watch.update(reading(conntrack: (63, 64))) == [])
        #expect(
            watch.update(reading(conntrack: (64, 64))) == [
                .began(.conntrackFull, "nf_conntrack_count 64 at nf_conntrack_max 64")
            ])
        // nf_conntrack_max 0 means no limit.
        var unlimited = DirectorFaultWatch()
        #expect(unlimited.update(reading(conntrack: (5000, 0))) == [])
    }

    @Test func faultsBeginInAFixedOrder() {
        var watch = DirectorFaultWatch()
        let changes = watch.update(
            reading(
                v4: Table(entries: 8, hard: 8, fulls: 0), v6: Table(entries: 8, hard: 8, fulls: 0),
                conntrack: (10, 10)))
        let began = changes.compactMap { change -> DirectorFaultWatch.Fault? in
            guard case .began(let fault, _) = change else { return nil }
            return fault
        }
        #expect(began == [.neighbourTableFull(.ipv4), .neighbourTableFull(.ipv6), .conntrackFull])
        #expect(changes.count == 3)
    }

    @Test func aFullTableBlamesOnlyNoAnswerFromAServerWithoutAnEntryOfItsFamily() {
        var watch = DirectorFaultWatch()
        _ = watch.update(reading(v6: Table(entries: 1024, hard: 1024, fulls: 0)))
        #expect(watch.blame(noAnswer: true, family: .ipv6, resolved: false) == .failure("neighbour_table_full"))
        // Resolved, not on-link, an answer of any kind, the other family: the server's own failure.
        #expect(watch.blame(noAnswer: true, family: .ipv6, resolved: true) == nil)
        #expect(watch.blame(noAnswer: true, family: .ipv6, resolved: nil) == nil)
        #expect(watch.blame(noAnswer: false, family: .ipv6, resolved: false) == nil)
        #expect(watch.blame(noAnswer: true, family: .ipv4, resolved: false) == nil)
    }

    @Test func conntrackFullJudgesNoServerThatGotNoAnswer() {
        var watch = DirectorFaultWatch()
        _ = watch.update(reading(conntrack: (64, 64)))
        #expect(watch.blame(noAnswer: true, family: .ipv4, resolved: true) == .inconclusive("conntrack_full"))
        #expect(watch.blame(noAnswer: true, family: .ipv4, resolved: nil) == .inconclusive("conntrack_full"))
        #expect(watch.blame(noAnswer: false, family: .ipv4, resolved: nil) == nil)
        // Both: the full table's drain comes first (client traffic fails there too).
        _ = watch.update(reading(v4: Table(entries: 9, hard: 9, fulls: 0), conntrack: (64, 64)))
        #expect(watch.blame(noAnswer: true, family: .ipv4, resolved: false) == .failure("neighbour_table_full"))
    }
}
