import Exporter
import Primitives

/// `drcheck status` for a terminal: one header line about the agent, then a table of every real server.
public enum StatusTable {
    public static func render(_ document: StatusDocument) -> String {
        var lines = [summary(document.agent)]
        // With peers: each peer's verdict beside this director's, before the detail.
        let peers = document.services.contains { $0.realServers.contains { $0.peerVerdicts != nil } }
        var rows = [
            [
                "SERVICE", "REAL SERVER", "STATE", "WEIGHT", "CONFIGURED", "CONNS", "RESULT", "LATENCY", "CHANGED",
            ] + (peers ? ["PEERS"] : []) + ["DETAIL"]
        ]
        for service in document.services {
            let name = service.panic ? "\(service.name) [panic]" : service.name
            if service.notChecked != nil { continue }
            if service.realServers.isEmpty { rows.append([name, "(no real servers)"]) }
            for (index, server) in service.realServers.enumerated() {
                var row: [String] = [
                    index == 0 ? name : "",
                    server.address,
                    server.state,
                    server.kernelWeight.map(String.init) ?? "-",
                    String(server.configuredWeight),
                    server.activeConnections.map { "\($0)/\(server.inactiveConnections ?? 0)" } ?? "-",
                    server.lastResult ?? "-",
                    server.latencySeconds.map(latency) ?? "-",
                    server.lastChangeAt.map { age(document.agent.generatedAt - $0) + " ago" } ?? "-",
                ]
                if peers { row.append(peerColumn(server.peerVerdicts)) }
                let detail: String? =
                    server.drain.map { drained($0, now: document.agent.generatedAt) }
                    ?? server.suppressedUntil.map { suppressed(server, until: $0, now: document.agent.generatedAt) }
                row.append(detail ?? server.lastDetail ?? "")
                rows.append(row)
            }
        }
        if document.services.isEmpty { rows.append(["(no services)"]) }
        lines += TextColumns.layout(rows, rightAligned: [3, 4, 5, 7])
        // Below the table: long reasons would widen its columns, and these services have no rows.
        for service in document.services {
            guard let why = service.notChecked else { continue }
            lines.append("NOT CHECKED: \(service.name) (\(service.protocol)): \(why)")
        }
        for service in document.services {
            guard let why = service.checkedByConnecting else { continue }
            lines.append("CONNECT CHECK: \(service.name) (\(service.protocol)): \(why)")
        }
        // The DR faults that no weight shows: below the table, where the eye ends.
        if let fault = document.agent.directorFault { lines.append("DIRECTOR FAULT: \(fault)") }
        for disagreement in document.agent.shadowDisagreements ?? [] { lines.append("SHADOW: \(disagreement)") }
        for conflict in document.agent.arpConflicts ?? [] {
            let owner = conflict.realServer.isEmpty ? "an unknown host" : "real server \(conflict.realServer)"
            lines.append("ARP CONFLICT: \(owner) (MAC \(conflict.mac)) answers ARP for VIP \(conflict.vip)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func summary(_ agent: StatusDocument.Agent) -> String {
        var parts = ["drcheck \(agent.version) (pid \(agent.pid))", "up \(age(agent.generatedAt - agent.startedAt))"]
        parts.append(agent.ready ? "ready" : "not ready (not every server probed yet)")
        if agent.dryRun { parts.append("dry run") }
        if let file = agent.configFile {
            let loaded = agent.configLoadedAt.map { ", loaded \(age(agent.generatedAt - $0)) ago" } ?? ""
            parts.append("config \(file)\(loaded)")
        }
        if !agent.lastReloadSucceeded { parts.append("LAST RELOAD FAILED (old config still running)") }
        return parts.joined(separator: ", ")
    }

    /// "drained by alice 2m ago: deploy, empty" (or the connections still on it).
    private static func drained(_ drain: StatusDocument.Drain, now: Double) -> String {
        "drained by \(drain.by) \(age(now - drain.at)) ago: \(drain.reason), "
            + (drain.empty ? "empty" : "connections left")
    }

    /// "198.51.100.4:9469 up, 198.51.100.5:9469 down", or "-" where no peer has a verdict.
    private static func peerColumn(_ verdicts: [String: String]?) -> String {
        let shown = (verdicts ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return shown.isEmpty ? "-" : shown.joined(separator: ", ")
    }

    /// "flapping, penalty 3.29: held drained for 12s more unless it flaps on".
    private static func suppressed(_ server: StatusDocument.RealServer, until: Double, now: Double) -> String {
        let penalty = server.flapPenalty.map { ", penalty \(($0 * 100).rounded() / 100)" } ?? ""
        return "flapping\(penalty): held drained for \(age(until - now)) more unless it flaps on"
    }

    /// `1.2ms` below 10 ms, `950ms` below a second, `1.25s` above.
    static func latency(_ seconds: Double) -> String {
        let milliseconds = seconds * 1000
        if milliseconds < 10 { return "\((milliseconds * 10).rounded() / 10)ms" }
        if milliseconds < 1000 { return "\(Int(milliseconds.rounded()))ms" }
        return "\((seconds * 100).rounded() / 100)s"
    }

    /// Whole seconds as Prometheus writes durations, the two largest units only: `45s`, `9m50s`, `2h3m`, `3d4h`.
    static func age(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let parts = [(total / 86400, "d"), (total / 3600 % 24, "h"), (total / 60 % 60, "m"), (total % 60, "s")]
        guard let first = parts.firstIndex(where: { $0.0 > 0 }) else { return "0s" }
        return parts[first...].prefix(2).filter { $0.0 > 0 }.map { "\($0.0)\($0.1)" }.joined()
    }
}
