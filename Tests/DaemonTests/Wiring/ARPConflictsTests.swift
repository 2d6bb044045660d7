import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Testing

@testable import Daemon

/// The ARP watch's conflicts: logged at their start and end, exported, and a failed check under
/// `on_arp_conflict: drain`. No watch runs (`arp_watch: 0s`): the rounds are the test's.
@Suite struct ARPConflictsTests {
    static let vip = IPAddress("198.51.100.10")!

    static func conflict(_ mac: String, realServer: Int?) -> ARPConflict {
        ARPConflict(
            vip: vip, interface: "eth1", mac: mac, host: nil,
            realServer: realServer.map { IPAddress("203.0.113.\($0)")! })
    }

    static func id(_ last: Int) -> ServerID {
        ServerID(service: ServiceKey("198.51.100.10:80/tcp")!, server: Endpoint("203.0.113.\(last):80")!)
    }

    let book = LogBook()
    let metrics = DrcheckMetrics(version: "test")
    let arp: ARPConflicts

    init() throws {
        let book = book
        let log = Logger(label: "drcheck") { _ in LogBookHandler(book: book, logLevel: .info) }
        arp = ARPConflicts(loop: try EventLoop(), log: log, metrics: metrics, conditions: ConditionLog(log))
    }

    func start(_ action: ArpConflictAction) {
        var config = Config()
        config.arpWatch = .zero
        config.onArpConflict = action
        arp.start(config)
    }

    @Test func eachConflictIsLoggedWhenItStartsAndWhenItEndsAndExported() {
        start(.report)
        arp.round([
            Self.conflict("02:00:00:00:00:09", realServer: nil), Self.conflict("02:00:00:00:00:0b", realServer: 11),
        ])
        arp.round([Self.conflict("02:00:00:00:00:0b", realServer: 11)])
        #expect(
            book.take() == [
                "<3>ARP conflict: an unknown host (MAC 02:00:00:00:00:09) answers ARP for VIP 198.51.100.10 on eth1: "
                    + "set arp_ignore=1 and arp_announce=2 on its interface toward the clients",
                "<3>ARP conflict: real server 203.0.113.11 (MAC 02:00:00:00:00:0b) answers ARP for VIP 198.51.100.10 "
                    + "on eth1: set arp_ignore=1 and arp_announce=2 on its interface toward the clients",
                "<5>ARP conflict over: 02:00:00:00:00:09 no longer answers ARP for VIP 198.51.100.10",
            ])
        #expect(
            arp.labels == [
                ARPConflictLabels(vip: "198.51.100.10", mac: "02:00:00:00:00:0b", realServer: "203.0.113.11")
            ])
        let series = String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").filter {
            $0.hasPrefix("drcheck_arp_conflict{")
        }
        #expect(
            series == [
                #"drcheck_arp_conflict{vip="198.51.100.10",mac="02:00:00:00:00:0b",real_server="203.0.113.11"} 1.0"#
            ])
        // Reported only: the server's checks stand.
        #expect(arp.verdict(for: Self.id(11)) == nil)
    }

    @Test func drainFailsTheChecksOfTheServerInConflictWhileItLasts() {
        start(.drain)
        arp.round([Self.conflict("02:00:00:00:00:0b", realServer: 11)])
        #expect(book.take().first?.hasSuffix("toward the clients; draining it (on_arp_conflict: drain)") == true)
        #expect(arp.verdict(for: Self.id(11)) == .failure("arp_conflict"))
        #expect(arp.verdict(for: Self.id(12)) == nil)
        arp.round([])
        #expect(arp.verdict(for: Self.id(11)) == nil)
        #expect(arp.labels.isEmpty)
    }
}
