import Agent
import Foundation
import Primitives
import Probe
import Testing

@testable import Daemon

/// `--once`'s report when a decided change could not be made: the kernel keeps its weight, and the report says so.
@Suite struct OnceReportTests {
    let rs1 = ServerID(service: ServiceKey("198.51.100.33:8000/tcp")!, server: Endpoint("203.0.113.21:8000")!)
    let rs2 = ServerID(service: ServiceKey("198.51.100.33:8000/tcp")!, server: Endpoint("203.0.113.22:8000")!)

    /// rs1 fails its one allowed probe (fall 1) and is drained from 5; rs2 passes and keeps 3.
    func report(applied: (OncePass.Outcome) -> [WeightChange]) -> OnceReport {
        let config = try! ConfigParser.parse(
            yaml: "services:\n  - name: web\n    vip: \"198.51.100.33:8000\"\n    check: {fall: 1}\n", file: "t.yaml")
        let outcome = OncePass.run(
            config: config, state: AgentState(), kernel: [rs1.service: [rs1.server: 5, rs2.server: 3]],
            probes: [rs1: .failure("timeout"), rs2: .success], dryRun: false)
        let results = [
            rs1: ProbeResult(.timeout, duration: .milliseconds(900)),
            rs2: ProbeResult(.ok, duration: .milliseconds(2), status: 200),
        ]
        return OnceReport(
            outcome: outcome, results: results, applied: applied(outcome), wouldChange: [], notes: [], failures: [],
            daemonPid: nil, exitStatus: 1)
    }

    func line(_ text: String, _ server: String) -> String {
        text.split(separator: "\n").first { $0.contains(server) }.map {
            $0.split(separator: " ").joined(separator: " ")
        }
            ?? ""
    }

    @Test func anAppliedDrainShowsTheNewWeight() {
        let report = report { $0.changes }
        #expect(report.notSet.isEmpty)
        #expect(line(report.table(), "203.0.113.21:8000") == "web 203.0.113.21:8000 timeout 0.900s down 5->0 5")
        #expect(report.json().contains(#""weight_after" : 0"#))
    }

    @Test func aDrainNotSetKeepsTheKernelWeightInTableAndJSON() throws {
        let report = report { _ in [] }
        #expect(report.notSet.map(\.to) == [0])
        #expect(
            line(report.table(), "203.0.113.21:8000") == "web 203.0.113.21:8000 timeout 0.900s down 5 (0 not set) 5")
        #expect(line(report.table(), "203.0.113.22:8000") == "web 203.0.113.22:8000 ok 0.002s up 3 3")
        let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any]
        let servers = json?["servers"] as? [[String: Any]] ?? []
        #expect(servers.first { $0["real_server"] as? String == "203.0.113.21:8000" }?["weight_after"] as? Int == 5)
        let changes = json?["changes"] as? [[String: Any]] ?? []
        #expect(changes.count == 1)
        #expect(changes.first?["applied"] as? Bool == false)
        #expect(changes.first?["to"] as? Int == 0)
    }
}
