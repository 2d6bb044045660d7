import Primitives

/// `/verdicts`: each real server's health as one director judges it, read by the other directors it names among
/// their `peers`: a first line `# drcheck verdicts 1`, then a line a real server, `SERVICE REAL_SERVER up|down`
/// (`198.51.100.33:8000/tcp 203.0.113.21:8000 up`). Small and plain, so that a peer reads thousands of servers every
/// few seconds for little.
public enum PeerVerdicts {
    public static let header = "# drcheck verdicts 1\n"

    /// One real server of one service.
    public struct Server: Hashable, Sendable {
        public var service: ServiceKey
        public var server: Endpoint

        public init(service: ServiceKey, server: Endpoint) {
            self.service = service
            self.server = server
        }
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notVerdicts
        case badLine(Int)

        public var description: String {
            switch self {
            case .notVerdicts: "not drcheck's verdicts (no \"# drcheck verdicts 1\" line first)"
            case .badLine(let number): "line \(number) is not SERVICE REAL_SERVER up|down"
            }
        }
    }

    /// The text of `verdicts` (healthy: true), in the order given.
    public static func text(_ verdicts: some Sequence<(Server, Bool)>) -> [UInt8] {
        var text = header
        for (server, healthy) in verdicts {
            text += "\(server.service) \(server.server) \(healthy ? "up" : "down")\n"
        }
        return Array(text.utf8)
    }

    /// Reads `body`; any line it does not understand makes the whole answer unusable (a peer's partial view would
    /// read as servers it does not know).
    public static func parse(_ body: [UInt8]) throws(ParseError) -> [Server: Bool] {
        let lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, String(decoding: first, as: UTF8.self) + "\n" == header else {
            throw .notVerdicts
        }
        var verdicts: [Server: Bool] = [:]
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let words = line.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            guard words.count == 3, let service = ServiceKey(words[0]),
                let server = Endpoint(words[1], allowPortZero: true),
                words[2] == "up" || words[2] == "down"
            else { throw .badLine(index + 1) }
            verdicts[Server(service: service, server: server)] = words[2] == "up"
        }
        return verdicts
    }
}
