import IPVS
import Primitives
import Probe
import Testing

@testable import Daemon

/// The daemon's wiring, from probe results in to weight writes, metrics and log lines out, on virtual time. Each
/// test first lets the first round pass (`firstRound`): every server's first probe passes and the daemon is ready.
@Suite struct DaemonWiringTests {
    typealias Lab = DaemonHarness

    static let refused = ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
    static let ok = ProbeResult(.ok, duration: .milliseconds(10), status: 200)
    static let timeout = ProbeResult(.timeout, duration: .milliseconds(500), detail: "no answer")

    static let rip = "interval: 1s, timeout: 500ms, fall: 2, rise: 2, mode: rip"
    /// A lone server may be drained (no panic keeps the last one).
    static let alone = rip + ", keep_last: false"
    static let dr = "interval: 1s, timeout: 500ms, fall: 2, rise: 2"

    static func line(_ priority: Int, _ last: Int, _ message: String) -> String {
        "<\(priority)>service=198.51.100.10:80 198.51.100.10:80/tcp 203.0.113.\(last):80: \(message)"
    }

    static func write(_ last: Int, _ weight: Int32) -> FakeIPVS.Write {
        FakeIPVS.Write(service: Lab.service, server: Lab.server(last), weight: weight)
    }

    @Test func fallDrainsAndRiseRestores() throws {
        let lab = try Lab(check: Self.rip, servers: [11, 12])
        try lab.firstRound()
        #expect(
            lab.log.take() == [
                "<5>drcheck \(DrcheckVersion.current) started: config \(lab.configPath), listening on 127.0.0.1:0",
                Self.line(5, 11, "new destination, weight 5"), Self.line(5, 12, "new destination, weight 5"),
                "<5>every server probed once (2): ready",
            ])
        lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? Self.refused : Self.ok }
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes.isEmpty)
        #expect(lab.log.take().isEmpty)
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "1.0")
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(
            lab.log.take() == [
                Self.line(5, 11, "down (connect_refused)"), Self.line(4, 11, "weight 5 -> 0, drain (connect_refused)"),
            ])
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "0.0")
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(11))}") == "0.0")
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(12))}") == "5.0")
        #expect(lab.metric(#"drcheck_probe_results_total{\#(Lab.labels(11)),class="connect_refused"}"#) == "2")
        #expect(
            lab.metric(#"drcheck_real_server_state_transitions_total{\#(Lab.labels(11)),from="up",to="down"}"#)
                == "1")
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="set_weight"}"#) == "1")

        lab.engine.answer = { _ in Self.ok }
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(lab.log.take().isEmpty)
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes == [Self.write(11, 0), Self.write(11, 5)])
        #expect(lab.log.take() == [Self.line(5, 11, "up (ok)"), Self.line(5, 11, "weight 0 -> 5, restore")])
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "1.0")
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(11))}") == "5.0")
        #expect(
            lab.metric(#"drcheck_real_server_state_transitions_total{\#(Lab.labels(11)),from="down",to="up"}"#) == "1")
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="set_weight"}"#) == "2")
    }

    /// Only 203.0.113.11's DR probe (through its probe mark) fails, while its RIP probe passes and the others' DR
    /// probes pass: the director's DR path works, so the server is drained for `dr_path`.
    @Test func aDRProbeFailingWhileTheRIPAnswersDrainsForDRPath() throws {
        let lab = try Lab(check: Self.dr, servers: [11, 12, 13])
        try lab.firstRound()
        let marks = [0x4452_0000, 0x4452_0001, 0x4452_0002]
        #expect(
            lab.log.take() == [
                "<5>drcheck \(DrcheckVersion.current) started: config \(lab.configPath), listening on 127.0.0.1:0",
                "<6>DR probe service fwmark \(marks[0]) -> 203.0.113.11 created",
                "<6>DR probe service fwmark \(marks[1]) -> 203.0.113.12 created",
                "<6>DR probe service fwmark \(marks[2]) -> 203.0.113.13 created",
                Self.line(5, 11, "new destination, weight 5"), Self.line(5, 12, "new destination, weight 5"),
                Self.line(5, 13, "new destination, weight 5"), "<5>every server probed once (3): ready",
            ])
        #expect(lab.ipvs.probeServiceCalls == marks.enumerated().map { "+fwmark \($1) -> 203.0.113.\(11 + $0)" })
        #expect(lab.engine.started.map(\.description).sorted() == marks.map { "dr 198.51.100.10 mark \($0)" })
        lab.engine.started.removeAll()

        lab.engine.answer = { $0.mark == 0x4452_0000 ? Self.refused : Self.ok }
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(
            lab.log.take() == [Self.line(5, 11, "down (dr_path)"), Self.line(4, 11, "weight 5 -> 0, drain (dr_path)")])
        // The RIP probe runs only for the server whose DR probe failed.
        #expect(
            lab.engine.started.filter { $0.mark == nil }.map(\.description) == ["rip 203.0.113.11", "rip 203.0.113.11"])
        #expect(lab.metric(#"drcheck_probe_results_total{\#(Lab.labels(11)),class="dr_path"}"#) == "2")
        #expect(lab.metric("drcheck_director_dr_path_fault") == "0.0")
    }

    /// A probe service gone from the table (a flush, another manager) is made again by the next discovery pass, and
    /// a DR probe that would move its server's health meanwhile is not counted: it may have gone anywhere.
    @Test func aProbeServiceGoneIsMadeAgainAndItsProbesDoNotCountMeanwhile() throws {
        let lab = try Lab(check: Self.dr, servers: [11, 12])
        try lab.firstRound()
        _ = lab.log.take()
        let gone = ServiceKey.fwmark(0x4452_0000, family: .ipv4)
        lab.ipvs.table[gone] = nil
        lab.engine.answer = { $0.mark == 0x4452_0000 ? Self.refused : Self.ok }
        try lab.advance(by: .seconds(5))
        #expect(
            lab.log.take() == [
                "<5>DR probe service fwmark \(0x4452_0000) -> 203.0.113.11 recreated: it was gone from the IPVS table; "
                    + "its probes count again from the first that starts now",
                Self.line(5, 11, "down (dr_path)"), Self.line(4, 11, "weight 5 -> 0, drain (dr_path)"),
            ])
        #expect(
            lab.ipvs.probeServiceCalls == [
                "+fwmark \(0x4452_0000) -> 203.0.113.11", "+fwmark \(0x4452_0001) -> 203.0.113.12",
                "+fwmark \(0x4452_0000) -> 203.0.113.11",
            ])
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        // The first dr_path, and the probes of both servers begun before the probe service was read again.
        #expect(lab.metric(#"drcheck_probes_discounted_total{reason="probe_service"}"#) == "3")
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="add_service"}"#) == "3")
    }

    /// Every DR probe fails while every RIP answers: the director is at fault, and no server is drained for it.
    @Test func everyDRProbeFailingIsTheDirectorsFaultAndDrainsNothing() throws {
        let lab = try Lab(check: Self.dr, servers: [11, 12, 13])
        try lab.firstRound()
        _ = lab.log.take()
        lab.engine.answer = { $0.mark != nil ? Self.refused : Self.ok }
        try lab.advance(by: .seconds(4))
        #expect(lab.ipvs.writes.isEmpty)
        #expect(
            lab.log.take() == [
                "<3>every DR-path probe fails while every real server answers on its RIP: the fault is the director's, "
                    + "nothing is drained for it; check the director: its route to the VIP, firewall marks, and the "
                    + "probe services (ipvsadm -Ln)"
            ])
        #expect(lab.metric("drcheck_director_dr_path_fault") == "1.0")
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "1.0")
        #expect(lab.daemon.statusDocument().agent.directorFault?.hasPrefix("every DR-path probe fails") == true)

        lab.engine.answer = { _ in Self.ok }
        try lab.advance(by: .seconds(1))
        #expect(lab.log.take() == ["<5>DR-path probes pass again: the director's DR path works"])
        #expect(lab.metric("drcheck_director_dr_path_fault") == "0.0")
        #expect(lab.ipvs.writes.isEmpty)
    }

    /// A timeout of a probe under way while the loop stalled counts neither way: the failure before it and the one
    /// after it make `fall` 2, with nothing reset between.
    @Test func aTimeoutWhileTheLoopStalledDoesNotCount() throws {
        let lab = try Lab(check: Self.alone, servers: [11], logLevel: .debug)
        try lab.firstRound()
        _ = lab.log.take()
        lab.engine.answer = { _ in Self.timeout }
        try lab.advance(by: .seconds(1))
        #expect(lab.log.take() == [Self.line(7, 11, "timeout - 0.500s (no answer)")])
        try lab.oversleep(by: .seconds(2))
        #expect(lab.ipvs.writes.isEmpty)
        try lab.advance(by: .seconds(1))
        #expect(
            lab.log.take() == [
                "<4>overloaded: probes started up to 1.900s late, each server checked every 1.950s on average "
                    + "(configured 1.000s); timeouts while the loop runs late are not counted against servers, and "
                    + "checks run less often until it is over",
                Self.line(7, 11, "timeout - 0.500s (no answer)"),
                "<7>198.51.100.10:80/tcp 203.0.113.11:80: timeout not counted, the director was short of CPU while it "
                    + "was under way",
                Self.line(7, 11, "timeout - 0.500s (no answer)"), Self.line(5, 11, "down (timeout)"),
                Self.line(4, 11, "weight 5 -> 0, drain (timeout)"),
            ])
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(lab.metric(#"drcheck_probes_discounted_total{reason="overload"}"#) == "1")
        #expect(lab.metric(#"drcheck_probe_results_total{\#(Lab.labels(11)),class="timeout"}"#) == "3")
        #expect(lab.metric("drcheck_overloaded") == "1.0")
    }

    /// A lone server (nothing keeps it) that has failed one probe of `fall` 2, its log lines taken.
    static func loneServerFailedOnce() throws -> Lab {
        let lab = try Lab(check: Self.alone, servers: [11])
        try lab.firstRound()
        _ = lab.log.take()
        lab.engine.answer = { _ in Self.refused }
        try lab.advance(by: .seconds(1))
        return lab
    }

    /// A weight write that fails leaves the kernel's weight shown, says so once, and is retried a second later.
    @Test func aFailedWeightWriteIsLoggedOnceAndRetried() throws {
        let lab = try Self.loneServerFailedOnce()
        lab.ipvs.failingWrites = 1
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes.isEmpty)
        #expect(
            lab.log.take() == [
                Self.line(5, 11, "down (connect_refused)"),
                Self.line(3, 11, "cannot set weight 0: netlink sendmsg failed: Unspecific failure; retrying"),
            ])
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "0.0")
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(11))}") == "5.0")
        #expect(lab.metric(#"drcheck_ipvs_errors_total{operation="set_weight"}"#) == "1")
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="set_weight"}"#) == nil)
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(lab.log.take() == [Self.line(4, 11, "weight 5 -> 0, drain (connect_refused)")])
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(11))}") == "0.0")
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="set_weight"}"#) == "1")
        #expect(lab.metric(#"drcheck_ipvs_errors_total{operation="set_weight"}"#) == "1")
    }

    /// A weight someone else set since the last read is not overwritten: it is adopted, and decided from there.
    @Test func aWeightSetBySomeoneElseIsNotOverwritten() throws {
        let lab = try Self.loneServerFailedOnce()
        lab.ipvs.table[Lab.service]![0].weight = 3
        try lab.advance(by: .seconds(1))
        #expect(
            lab.log.take() == [
                Self.line(5, 11, "down (connect_refused)"),
                Self.line(6, 11, "weight 3 set by someone else, 0 not written"),
                Self.line(5, 11, "weight 3 set by someone else, adopted as configured"),
                Self.line(4, 11, "weight 3 -> 0, drain (connect_refused)"),
            ])
        #expect(lab.ipvs.writes == [Self.write(11, 0)])
        #expect(lab.metric(#"drcheck_ipvs_updates_total{operation="set_weight"}"#) == "1")
    }

    @Test func onLinkServersPastTheNeighbourTableAreNamedOnceAsTheDirectorsLimit() throws {
        let lab = try Lab(check: Self.rip, servers: [11, 12], top: "dr_sysctls: check")
        try lab.setNeighbourThresholds([1, 1, 1])
        try lab.firstRound()
        _ = lab.log.take()
        // The next discovery pass (every 5 s) reads the limits.
        try lab.advance(by: .seconds(5))
        #expect(
            lab.log.take() == [
                "<3>the director's neighbour table is too small: 2 real server(s) on the director's own IPv4 subnets, "
                    + "each needing a neighbour entry, against gc_thresh2 1 and gc_thresh3 1: past gc_thresh3 the "
                    + "director cannot resolve the others, so neither IPVS's forwarding nor the probes reach them; "
                    + "fix: sysctl -w net.ipv4.neigh.default.gc_thresh1=128 net.ipv4.neigh.default.gc_thresh2=513 "
                    + "net.ipv4.neigh.default.gc_thresh3=1024"
            ])
        #expect(lab.metric(#"drcheck_director_neighbours{family="ipv4"}"#) == "2.0")
        #expect(lab.metric(#"drcheck_director_neighbour_limit{family="ipv4",threshold="gc_thresh3"}"#) == "1.0")
        // `check` only reports; said once while it lasts.
        try lab.advance(by: .seconds(5))
        #expect(lab.log.take().isEmpty)
        #expect(lab.neighbourThresholds() == [1, 1, 1])
        try lab.setNeighbourThresholds([128, 512, 1024])
        try lab.advance(by: .seconds(5))
        #expect(lab.log.take() == ["<5>the director's neighbour table (ipv4) holds its on-link real servers again"])
        #expect(lab.metric(#"drcheck_director_neighbour_limit{family="ipv4",threshold="gc_thresh3"}"#) == "1024.0")
        #expect(lab.ipvs.writes.isEmpty)
    }

    @Test func drSysctlsFixRaisesTheNeighbourThresholdsTheOnLinkServersOutgrow() throws {
        let lab = try Lab(check: Self.rip, servers: [11, 12])
        try lab.setNeighbourThresholds([1, 1, 1000])
        try lab.firstRound()
        _ = lab.log.take()
        try lab.advance(by: .seconds(5))
        // Only raised, the hard limit first; nothing is said to be too small afterwards.
        #expect(
            lab.log.take() == [
                "<5>set net.ipv4.neigh.default.gc_thresh3=1024 (was 1000), net.ipv4.neigh.default.gc_thresh2=513 "
                    + "(was 1), net.ipv4.neigh.default.gc_thresh1=128 (was 1) for 2 on-link real server(s) "
                    + "(dr_sysctls: fix)"
            ])
        #expect(lab.neighbourThresholds() == [128, 513, 1024])
        #expect(lab.metric(#"drcheck_director_neighbour_limit{family="ipv4",threshold="gc_thresh2"}"#) == "513.0")
        try lab.advance(by: .seconds(5))
        #expect(lab.log.take().isEmpty)
    }

    @Test func aFullNeighbourTableDrainsTheServersItLeavesUnresolvedAsTheDirectorsFault() throws {
        let lab = try Lab(check: Self.rip, servers: [11, 12, 13], top: "dr_sysctls: check")
        try lab.firstRound()
        _ = lab.log.take()
        #expect(lab.metric(#"drcheck_director_fault{reason="neighbour_table_full"}"#) == "0.0")
        lab.faults.reading.neighbourTables[.ipv4] = .init(entries: 1024, hard: 1024, fulls: 40)
        // .11 has its entry (REACHABLE) and times out on its own; .12 has none.
        lab.faults.entries[.ipv4] = [IPAddress("203.0.113.11")!: 0x02, IPAddress("203.0.113.13")!: 0x04]
        lab.engine.answer = { $0.address == IPAddress("203.0.113.13") ? Self.ok : Self.timeout }
        // Two probes of each end in the next 2.55 s, whatever their phases (the order of their lines is theirs).
        try lab.advance(by: .milliseconds(2550))
        let lines = lab.log.take()
        let fault: String =
            "<3>the director's fault: its neighbour table (ipv4) is full (1024 entries against gc_thresh3 1024, "
            + "0 new one(s) refused since the last reading); 1 of its 3 on-link real server(s) have no "
            + "resolved entry: neither the probes nor IPVS's forwarding reach them, so they are drained as "
            + "neighbour_table_full, not for a fault of theirs; fix: sysctl -w "
            + "net.ipv4.neigh.default.gc_thresh1=128 net.ipv4.neigh.default.gc_thresh2=513 "
            + "net.ipv4.neigh.default.gc_thresh3=1024"
        #expect(lines.first == fault)
        let drains: Set<String> = [
            Self.line(5, 12, "down (neighbour_table_full)"),
            Self.line(4, 12, "weight 5 -> 0, drain (neighbour_table_full)"),
            Self.line(5, 11, "down (timeout)"), Self.line(4, 11, "weight 5 -> 0, drain (timeout)"),
        ]
        #expect(Set(lines.dropFirst()) == drains)
        let writes: Set<FakeIPVS.Write> = [Self.write(12, 0), Self.write(11, 0)]
        #expect(Set(lab.ipvs.writes) == writes)
        #expect(lab.metric(#"drcheck_director_fault{reason="neighbour_table_full"}"#) == "1.0")
        #expect(lab.metric(#"drcheck_director_fault{reason="conntrack_full"}"#) == "0.0")
        // Room again: over after three calm readings, said once.
        lab.faults.reading.neighbourTables[.ipv4] = .init(entries: 3, hard: 4096, fulls: 40)
        lab.engine.answer = { _ in Self.ok }
        try lab.advance(by: .seconds(3))
        #expect(
            lab.log.take().filter { $0.contains("director") } == [
                "<5>the director's fault is over: its neighbour table (ipv4) is full (3 readings in a row without it)"
            ])
        #expect(lab.metric(#"drcheck_director_fault{reason="neighbour_table_full"}"#) == "0.0")
    }

    @Test func aFullConntrackTableJudgesNoServerThatGotNoAnswer() throws {
        let lab = try Lab(check: Self.rip, servers: [11, 12, 13])
        try lab.firstRound()
        _ = lab.log.take()
        lab.faults.reading.conntrackCount = 65536
        lab.faults.reading.conntrackMax = 65536
        // A timeout says nothing while conntrack drops new connections; a refusal is an answer, the server's own.
        lab.engine.answer = {
            $0.address == IPAddress("203.0.113.11")
                ? Self.timeout
                : $0.address == IPAddress("203.0.113.12") ? Self.refused : Self.ok
        }
        // Two probes of each end in the next 2.55 s, whatever their phases, all after the first reading.
        try lab.advance(by: .milliseconds(2550))
        #expect(
            lab.log.take() == [
                "<3>the director's fault: its conntrack table is full (nf_conntrack_count 65536 at nf_conntrack_max "
                    + "65536): new connections are dropped, clients' and probes' alike; no server is judged by a "
                    + "probe that got no answer while it lasts; fix: sysctl -w net.netfilter.nf_conntrack_max=132096, "
                    + "or exempt the VIPs and the probes from conntrack (notrack)",
                Self.line(5, 12, "down (connect_refused)"), Self.line(4, 12, "weight 5 -> 0, drain (connect_refused)"),
            ])
        #expect(lab.ipvs.writes == [Self.write(12, 0)])
        #expect(lab.metric(#"drcheck_director_fault{reason="conntrack_full"}"#) == "1.0")
        #expect(lab.metric(#"drcheck_probes_discounted_total{reason="director_fault"}"#) == "2")
    }

    @Test func aRealServerWithItsOwnCheckIsProbedAndJudgedByIt() throws {
        let lab = try Lab(
            check: Self.rip, servers: [11, 12, 13],
            realServers: #"{address: 203.0.113.12, check: {type: tcp, port: 8080, fall: 1}}"#)
        try lab.firstRound()
        _ = lab.log.take()
        // Only port 8080 answers: the servers on the service's check fail, .12 on its own passes.
        lab.engine.answer = { $0.port == 8080 ? Self.ok : Self.refused }
        try lab.advance(by: .milliseconds(2550))
        let writes: Set<FakeIPVS.Write> = [Self.write(11, 0), Self.write(13, 0)]
        #expect(Set(lab.ipvs.writes) == writes)
        let servers = lab.daemon.statusDocument().services.first?.realServers ?? []
        #expect(servers.map(\.ownCheck) == [nil, "tcp port 8080 every 1s, fall 1", nil])
        #expect(servers.map(\.healthy) == [false, true, false])
    }

    @Test func identicalChecksInTwoServicesShareOneProbeAndEachServiceDecides() throws {
        let other = Endpoint("198.51.100.11:80")!
        // A tcp check: an http one asks with its VIP as Host, a request of each service's own.
        let lab = try Lab(check: "type: tcp, " + Self.alone, servers: [11, 12], alsoAt: [other])
        try lab.firstRound()
        // One probe a server for both services.
        #expect(lab.engine.started.count == 2)
        #expect(Set(lab.engine.started.map(\.description)) == ["rip 203.0.113.11", "rip 203.0.113.12"])
        lab.engine.answer = { $0.address == IPAddress("203.0.113.11") ? Self.refused : Self.ok }
        try lab.advance(by: .seconds(2))
        #expect(lab.engine.started.count == 6)
        let drained: Set<FakeIPVS.Write> = [
            Self.write(11, 0), FakeIPVS.Write(service: .virtual(other, .tcp), server: Lab.server(11), weight: 0),
        ]
        #expect(Set(lab.ipvs.writes) == drained)
    }
}
