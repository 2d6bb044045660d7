import Agent
import Foundation
import IPVS
import Primitives
import Probe
import Storage
import Testing

@testable import Daemon

/// The rest of the daemon's life on virtual time, each with exact log lines, writes and series: a reload (a new
/// weight, a refused file, a new check), a drain by `drcheck drain`'s signal, a discovery change, SIGTERM, a dry run.
@Suite struct DaemonLifeTests {
    typealias Lab = DaemonHarness
    static let check = "interval: 1s, timeout: 500ms, fall: 2, rise: 2, mode: rip"
    static let refused = ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
    static func line(_ priority: Int, _ last: Int, _ message: String) -> String {
        DaemonWiringTests.line(priority, last, message)
    }

    @Test func aReloadAppliesANewWeightRefusesABadFileAndProbesByTheNewCheck() throws {
        let lab = try Lab(check: Self.check, servers: [11, 12], realServers: "{address: 203.0.113.11, weight: 5}")
        try lab.firstRound()
        _ = lab.log.take()
        try lab.rewriteConfig(
            check: Self.check + ", path: /new", realServers: "{address: 203.0.113.11, weight: 9}")
        lab.daemon.reload()
        try lab.advance(by: .milliseconds(200))
        #expect(lab.ipvs.writes == [FakeIPVS.Write(service: Lab.service, server: Lab.server(11), weight: 9)])
        #expect(
            lab.log.take() == [
                "<5>reloaded config \(lab.configPath)",
                Self.line(5, 11, "weight 5 -> 9, configured weight changed"),
            ])
        #expect(lab.metric("drcheck_config_last_reload_successful") == "1.0")
        guard case .network(let check) = lab.daemon.targets[Lab.id(11)]?.check else {
            Issue.record("no network check")
            return
        }
        #expect(check.path == "/new")

        try "services: [".write(toFile: lab.configPath, atomically: true, encoding: .utf8)
        lab.daemon.reload()
        try lab.advance(by: .seconds(2))
        let refusal = lab.log.take()
        #expect(refusal.count == 1)
        #expect(refusal.first?.hasPrefix("<3>reload refused, the running config goes on: \(lab.configPath):") == true)
        #expect(lab.metric("drcheck_config_last_reload_successful") == "0.0")
        #expect(lab.ipvs.writes.count == 1)
        guard case .network(let still) = lab.daemon.targets[Lab.id(11)]?.check else {
            Issue.record("no network check")
            return
        }
        #expect(still.path == "/new")
    }

    @Test func aDrainByDrcheckDrainsSignalHoldsTheServerAndAnUndrainHandsItBack() throws {
        let lab = try Lab(check: Self.check, servers: [11, 12])
        try lab.firstRound()
        _ = lab.log.take()
        let drains = DrainsFile(forState: lab.daemon.running.config.stateFile)
        let note = DrainNote(reason: "kernel update", by: "ops", at: 1_700_000_000)
        _ = try drains.update { $0[Lab.id(11)] = note }
        // SIGUSR1, as `drcheck drain` sends it.
        lab.daemon.readDrains(force: true)
        try lab.advance(by: .milliseconds(200))
        #expect(lab.ipvs.writes == [FakeIPVS.Write(service: Lab.service, server: Lab.server(11), weight: 0)])
        let drained = lab.log.take()
        #expect(drained.count == 2)
        #expect(drained.last == Self.line(5, 11, "weight 5 -> 0, drained with drcheck drain"))
        #expect(lab.metric("drcheck_real_server_admin_drained{\(Lab.labels(11))}") == "1.0")
        // Its checks pass on: it stays at 0.
        try lab.advance(by: .seconds(3))
        #expect(lab.ipvs.writes.count == 1)
        _ = try drains.update { $0[Lab.id(11)] = nil }
        lab.daemon.readDrains(force: true)
        try lab.advance(by: .seconds(3))
        #expect(lab.ipvs.writes.map(\.weight) == [0, 5])
        let back = lab.log.take()
        #expect(back.contains(Self.line(5, 11, "undrained, back to its checks (restored once they pass)")))
        #expect(back.last == Self.line(5, 11, "weight 0 -> 5, restore"))
    }

    @Test func aDestinationAddedOrRemovedInTheKernelIsProbedOrForgottenAtTheNextPass() throws {
        let lab = try Lab(check: Self.check, servers: [11, 12], top: "discovery_interval: 2s")
        try lab.firstRound()
        _ = lab.log.take()
        lab.ipvs.table[Lab.service]?.append(
            Destination(address: Lab.server(13).address, port: 80, forwarding: .route, weight: 3))
        lab.ipvs.table[Lab.service]?.removeAll { $0.endpoint == Lab.server(12) }
        try lab.advance(by: .seconds(2))
        #expect(
            lab.log.take() == [
                Self.line(5, 12, "destination gone, forgotten"), Self.line(5, 13, "new destination, weight 3"),
            ])
        try lab.advance(by: .seconds(1))
        #expect(lab.engine.started.suffix(2).map(\.description).sorted() == ["rip 203.0.113.11", "rip 203.0.113.13"])
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(12))}") == nil)
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(13))}") == "3.0")
    }

    @Test func sigtermSavesTheStateRemovesTheProbeServicesAndLeavesTheWeights() throws {
        let lab = try Lab(check: "interval: 1s, timeout: 500ms, fall: 1, rise: 2, keep_last: false", servers: [11])
        try lab.firstRound()
        lab.engine.answer = { _ in Self.refused }
        try lab.advance(by: .seconds(1))
        #expect(lab.ipvs.writes.map(\.weight) == [0])
        _ = lab.log.take()
        let marks = lab.ipvs.table.keys.filter { if case .fwmark = $0 { true } else { false } }
        #expect(marks.count == 1)
        lab.daemon.stop(SIGTERM)
        #expect(lab.log.take().first == "<5>stopping on signal 15: weights stay as they are")
        #expect(lab.ipvs.table.keys.filter { if case .fwmark = $0 { true } else { false } }.isEmpty)
        #expect(lab.ipvs.table[Lab.service]?.map(\.weight) == [0])
        let (state, warning) = StateFile(path: lab.daemon.running.config.stateFile).load()
        #expect(warning == nil)
        #expect(state.servers[Lab.id(11)]?.drainedBy == .drcheck)
        #expect(state.servers[Lab.id(11)]?.up == false)
    }

    @Test func aDryRunDecidesAndLogsButWritesNothingAndSavesNoState() throws {
        let lab = try Lab(check: Self.check + ", keep_last: false", servers: [11], dryRun: true)
        try lab.firstRound()
        _ = lab.log.take()
        lab.engine.answer = { _ in Self.refused }
        try lab.advance(by: .seconds(2))
        #expect(lab.ipvs.writes.isEmpty)
        #expect(
            lab.log.take() == [
                Self.line(5, 11, "down (connect_refused)"),
                "<5>service=198.51.100.10:80 dry run: would set 198.51.100.10:80/tcp 203.0.113.11:80: weight 5 -> 0, "
                    + "drain (connect_refused)",
            ])
        // The series show the kernel, where nothing changed.
        #expect(lab.metric("drcheck_real_server_weight{\(Lab.labels(11))}") == "5.0")
        #expect(lab.metric("drcheck_real_server_up{\(Lab.labels(11))}") == "0.0")
        #expect(!FileManager.default.fileExists(atPath: lab.daemon.running.config.stateFile))
    }

    @Test func hooksRunAfterTheWritesInTheOrderOfTheirEvents() throws {
        let events = NSTemporaryDirectory() + "drcheck-hooks-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: events) }
        let hook = #"on_change: ["/bin/sh", "-c", "echo \"$DRCHECK_EVENT $DRCHECK_RIP\" >> \#(events)"]"#
        let lab = try Lab(
            check: "interval: 1s, timeout: 500ms, fall: 1, rise: 1, mode: rip, keep_last: false, " + hook,
            servers: [11, 12])
        try lab.firstRound()
        lab.engine.answer = {
            $0.address == IPAddress("203.0.113.11")
                ? Self.refused : ProbeResult(.ok, duration: .milliseconds(1), status: 200)
        }
        try lab.advance(by: .seconds(1))
        lab.engine.answer = { _ in ProbeResult(.ok, duration: .milliseconds(1), status: 200) }
        try lab.advance(by: .seconds(1))
        // The hooks are real processes: the loop waits for each on real time.
        var lines: [String] = []
        var waited = 0
        while waited < 500, lines.count < 4 || lab.metric(#"drcheck_hook_runs_total{result="ok"}"#) != "4" {
            waited += 1
            try lab.advance(by: .milliseconds(1))
            usleep(10_000)
            lines =
                (try? String(contentsOfFile: events, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        }
        #expect(lines == ["down 203.0.113.11", "drained 203.0.113.11", "up 203.0.113.11", "restored 203.0.113.11"])
        #expect(lab.metric(#"drcheck_hook_runs_total{result="ok"}"#) == "4")
    }
}
