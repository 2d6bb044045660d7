import Agent
import Primitives
import Probe

/// What the probes of discovered services have shown of the protocol each speaks. Discovery checks an unlisted TCP
/// service with the defaults' HTTP check, which can judge only a service that speaks HTTP; a mail, database or cache
/// service behind the same director must not be drained for answering in its own protocol. So, per service:
/// - until one of its servers answers with an HTTP status line, an answer that shows nothing of the protocol (an
///   empty reply, a reset, a TLS failure, a timeout after the connect) counts neither way; a failed connect counts;
/// - once one answers in HTTP, the HTTP check judges every answer;
/// - once one answers in another protocol first, the service is checked by connecting (a connect check still sees
///   a stopped server, a dead host and a missing VIP on `lo`), and every probe that connected passed.
/// OPERATIONS.md "What discovery checks" says why.
struct ServiceProtocols {
    enum Learnt: Equatable {
        case http
        /// Another protocol, with the probe's detail that showed it.
        case other(String)
    }

    /// How a probe result of a learning target counts.
    enum Reading: Equatable {
        /// As the check judged it.
        case asProbed
        /// Says nothing of the server yet.
        case inconclusive
        /// A connect check's pass: the server took the connection.
        case connected
    }

    private(set) var learnt: [ServiceKey: Learnt] = [:]

    /// Services checked by connecting from now on.
    var connectOnly: Set<ServiceKey> {
        Set(learnt.compactMap { key, learnt in learnt == .http ? nil : key })
    }

    /// Reads `result` of a probe of `service`, learning from it; `turned`: the service has just been found to speak
    /// another protocol.
    mutating func read(_ result: ProbeResult, of service: ServiceKey) -> (reading: Reading, turned: Bool) {
        switch (learnt[service], result.answer) {
        case (.http, _), (_, .none):
            return (.asProbed, false)
        case (.other, _):
            return (.connected, false)
        case (nil, .http):
            learnt[service] = .http
            return (.asProbed, false)
        case (nil, .other):
            learnt[service] = .other(result.detail)
            return (.connected, true)
        case (nil, .connected):
            return (.inconclusive, false)
        }
    }

    /// A service gone from the kernel: what it speaks is learnt again if it comes back.
    mutating func forget(_ service: ServiceKey) { learnt[service] = nil }

    /// What /status says of a service checked by connecting.
    static func connectOnlyNote(_ detail: String) -> String {
        "answers in another protocol than HTTP (\(detail)): checked by connecting; list it with a check of its own "
            + "to judge more"
    }

    /// The line the log and a pass report give `service` once it is found to speak another protocol.
    static func turnedLine(_ service: ServiceKey, detail: String) -> String {
        "\(service.label) (\(service.transportName)): \(connectOnlyNote(detail))"
    }
}

extension ServiceProtocols.Reading {
    /// The verdict this reading gives `result`; nil when the check's own judgement stands.
    func verdict(of result: ProbeResult) -> ProbeVerdict? {
        switch self {
        case .asProbed: nil
        case .inconclusive: .inconclusive(result.probeClass.rawValue)
        case .connected: .success
        }
    }
}

extension ServiceProtocols {
    /// One pass's verdicts (`--once`): learning targets' results read after the pass's HTTP answers, so that the
    /// order in which probes ended changes nothing; `notes`: the services found to speak another protocol.
    static func verdicts(
        _ results: [ServerID: ProbeResult], targets: [ServerID: ProbeTarget]
    ) -> (verdicts: [ServerID: ProbeVerdict], notes: [String]) {
        var protocols = ServiceProtocols()
        var notes: [String] = []
        func rank(_ id: ServerID) -> Int { results[id]?.answer == .http ? 0 : 1 }
        var verdicts: [ServerID: ProbeVerdict] = [:]
        for (id, result) in results.sorted(by: { (rank($0.key), $0.key) < (rank($1.key), $1.key) }) {
            guard targets[id]?.learnsProtocol == true else {
                verdicts[id] = ProbeVerdict(result)
                continue
            }
            let (reading, turned) = protocols.read(result, of: id.service)
            if turned { notes.append(turnedLine(id.service, detail: result.detail)) }
            verdicts[id] = reading.verdict(of: result) ?? ProbeVerdict(result)
        }
        return (verdicts, notes)
    }
}
