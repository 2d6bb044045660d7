import Agent
import FoundationEssentials
import Primitives
import Probe

/// What `--once` prints: a table for people, or JSON for scripts.
struct OnceReport {
    var outcome: OncePass.Outcome
    var results: [ServerID: ProbeResult]
    var applied: [WeightChange]
    var wouldChange: [WeightChange]
    var notes: [String]
    var failures: [String]
    var daemonPid: Int32?
    var exitStatus: Int32

    /// Changes the pass decided but could not make (the failures say why): the kernel keeps the weight it had.
    var notSet: [WeightChange] {
        let made = Set(applied)
        return outcome.changes.filter { !made.contains($0) }
    }

    /// `notSet` by server: built once per report, looked up per row (a mass drain has thousands of both).
    private var notSetByServer: [ServerID: WeightChange] {
        Dictionary(notSet.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func table() -> String {
        var rows = [["SERVICE", "REAL SERVER", "RESULT", "TIME", "STATE", "WEIGHT", "CONFIGURED"]]
        let unmade = notSetByServer
        for row in outcome.rows {
            let result = results[row.id]
            let weight =
                if let change = unmade[row.id] {
                    "\(row.weightBefore) (\(change.to) not set)"
                } else if row.weightBefore == row.weightAfter {
                    "\(row.weightAfter)"
                } else {
                    "\(row.weightBefore)->\(row.weightAfter)"
                }
            rows.append([
                row.service, row.id.server.description, result?.probeClass.rawValue ?? "-",
                result?.duration.formatted3 ?? "-", state(row), weight, row.configured.map(String.init) ?? "-",
            ])
        }
        var text = TextColumns.layout(rows).joined(separator: "\n") + "\n"
        for row in outcome.rows {
            if let result = results[row.id], !result.detail.isEmpty { text += "\(row.id): \(result.detail)\n" }
        }
        for change in applied { text += "set \(change)\n" }
        for change in wouldChange { text += "would set (not applied) \(change)\n" }
        for line in notes + failures { text += "\(line)\n" }
        return text
    }

    private func state(_ row: OncePass.Row) -> String {
        if row.drainedBy == .operator { return "admin_drained" }
        return row.up ? "up" : "down"
    }

    /// Stable keys, snake_case; one object with `servers`, `changes` and `exit_status`.
    func json() -> String {
        struct Server: Encodable {
            var service: String
            var realServer: String
            var result: String?
            var status: Int?
            var detail: String?
            var durationSeconds: Double?
            var state: String
            var weightBefore: Int
            var weightAfter: Int
            var configuredWeight: Int?
        }
        struct Change: Encodable {
            var service: String
            var realServer: String
            var from: Int
            var to: Int
            var applied: Bool
        }
        struct Document: Encodable {
            var servers: [Server]
            var changes: [Change]
            var daemonPid: Int32?
            var notes: [String]
            var errors: [String]
            var exitStatus: Int32
        }
        let unmade = notSetByServer
        let servers = outcome.rows.map { row in
            let result = results[row.id]
            return Server(
                service: row.service, realServer: row.id.server.description, result: result?.probeClass.rawValue,
                status: result?.status, detail: result.flatMap { $0.detail.isEmpty ? nil : $0.detail },
                durationSeconds: result?.duration.seconds, state: state(row), weightBefore: row.weightBefore,
                // The weight in the kernel after the pass, as far as drcheck set it.
                weightAfter: unmade[row.id] == nil ? row.weightAfter : row.weightBefore,
                configuredWeight: row.configured)
        }
        let changes = applied.map { ($0, true) } + (notSet + wouldChange).map { ($0, false) }
        let document = Document(
            servers: servers,
            changes: changes.map {
                Change(
                    service: $0.0.id.service.label, realServer: $0.0.id.server.description, from: $0.0.from,
                    to: $0.0.to, applied: $0.1)
            },
            daemonPid: daemonPid, notes: notes, errors: failures, exitStatus: exitStatus)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
