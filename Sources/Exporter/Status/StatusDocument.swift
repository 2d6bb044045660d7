import EventLoop
import FoundationEssentials

/// What `GET /status` answers and `drcheck status` prints: the agent and every service and real server it checks.
/// Times are Unix seconds; JSON keys are snake_case.
public struct StatusDocument: Codable, Equatable, Sendable {
    public var agent: Agent
    public var services: [Service]

    public init(agent: Agent, services: [Service]) {
        self.agent = agent
        self.services = services
    }

    public struct Agent: Codable, Equatable, Sendable {
        public var version: String
        public var pid: Int32
        public var startedAt: Double
        /// When the daemon made this document; `drcheck status` measures ages against it.
        public var generatedAt: Double
        public var configFile: String?
        public var configLoadedAt: Double?
        public var lastReloadSucceeded: Bool
        public var dryRun: Bool
        /// Every real server has been probed at least once (what `/healthz` answers).
        public var ready: Bool
        /// Why the director itself cannot probe through the DR path, while that lasts (nothing is drained for it).
        public var directorFault: String?
        /// Hosts other than the director that answer ARP for a VIP held here.
        public var arpConflicts: [ARPConflictLabels]?
        /// Shadow mode (`--dry-run`): the servers whose verdict has disagreed with their kernel weight for a while.
        public var shadowDisagreements: [String]?

        public init(
            version: String, pid: Int32, startedAt: Double, generatedAt: Double, configFile: String?,
            configLoadedAt: Double?, lastReloadSucceeded: Bool, dryRun: Bool, ready: Bool,
            directorFault: String? = nil, arpConflicts: [ARPConflictLabels]? = nil,
            shadowDisagreements: [String]? = nil
        ) {
            self.shadowDisagreements = shadowDisagreements
            self.directorFault = directorFault
            self.arpConflicts = arpConflicts
            self.version = version
            self.pid = pid
            self.startedAt = startedAt
            self.generatedAt = generatedAt
            self.configFile = configFile
            self.configLoadedAt = configLoadedAt
            self.lastReloadSucceeded = lastReloadSucceeded
            self.dryRun = dryRun
            self.ready = ready
        }
    }

    public struct Service: Codable, Equatable, Sendable {
        /// The service's name, else `VIP:port`, `fwmark:N` or `fwmark:N/ipv6` (the metrics' `service` label).
        public var name: String
        /// `VIP:port`, `fwmark:N` or `fwmark:N/ipv6`.
        public var address: String
        public var `protocol`: String
        /// drcheck refuses to drain this service's servers (all failing, or the last one with weight).
        public var panic: Bool
        /// Why drcheck leaves this IPVS service alone (no check could judge it); nil for a checked service.
        public var notChecked: String?
        /// Why a discovered service is checked by connecting rather than by HTTP (its servers answer in another
        /// protocol); nil otherwise.
        public var checkedByConnecting: String?
        public var realServers: [RealServer]

        public init(
            name: String, address: String, protocol: String, panic: Bool, notChecked: String? = nil,
            checkedByConnecting: String? = nil, realServers: [RealServer]
        ) {
            self.name = name
            self.address = address
            self.protocol = `protocol`
            self.panic = panic
            self.notChecked = notChecked
            self.checkedByConnecting = checkedByConnecting
            self.realServers = realServers
        }
    }

    public struct RealServer: Codable, Equatable, Sendable {
        /// `RIP:port` (the metrics' `real_server` label).
        public var address: String
        /// The health state, e.g. `up`, `down`, `rising`, `falling`, `unknown`, `admin_drained`, `suppressed`.
        public var state: String
        public var healthy: Bool
        /// The weight now in the kernel; nil when the destination was not found there.
        public var kernelWeight: Int?
        public var configuredWeight: Int
        /// The class of the last probe's result (`ok` or the kind of failure); nil before the first probe.
        public var lastResult: String?
        /// The last failure's detail, in words.
        public var lastDetail: String?
        public var latencySeconds: Double?
        public var lastProbeAt: Double?
        public var lastChangeAt: Double?
        /// The destination's connections in the kernel (IPVS's ActiveConn and InActConn); nil when not found there.
        public var activeConnections: Int?
        public var inactiveConnections: Int?
        /// A drain made with `drcheck drain`, while it lasts.
        public var drain: Drain?
        /// Its own check (`real_servers[].check`) in words; nil when it has its service's.
        public var ownCheck: String?
        /// Its flap penalty now (`flap_damping`); nil without one.
        public var flapPenalty: Double?
        /// While it is held drained for flapping: when that ends unless it flaps on (Unix time).
        public var suppressedUntil: Double?
        /// Each peer's verdict on it (`up` or `down`), by the peer's address, as last read; nil without peers.
        public var peerVerdicts: [String: String]?
        /// How many of the fleet's other directors see it failing, while a quorum does (it is drained here too); nil
        /// otherwise.
        public var fleetDown: Int?

        public init(
            address: String, state: String, healthy: Bool, kernelWeight: Int?, configuredWeight: Int,
            lastResult: String?, lastDetail: String?, latencySeconds: Double?, lastProbeAt: Double?,
            lastChangeAt: Double?, activeConnections: Int? = nil, inactiveConnections: Int? = nil, drain: Drain? = nil,
            ownCheck: String? = nil, flapPenalty: Double? = nil, suppressedUntil: Double? = nil,
            peerVerdicts: [String: String]? = nil, fleetDown: Int? = nil
        ) {
            self.peerVerdicts = peerVerdicts
            self.fleetDown = fleetDown
            self.ownCheck = ownCheck
            self.flapPenalty = flapPenalty
            self.suppressedUntil = suppressedUntil
            self.activeConnections = activeConnections
            self.inactiveConnections = inactiveConnections
            self.drain = drain
            self.address = address
            self.state = state
            self.healthy = healthy
            self.kernelWeight = kernelWeight
            self.configuredWeight = configuredWeight
            self.lastResult = lastResult
            self.lastDetail = lastDetail
            self.latencySeconds = latencySeconds
            self.lastProbeAt = lastProbeAt
            self.lastChangeAt = lastChangeAt
        }
    }
}

extension StatusDocument {
    /// Why, by whom and since when a server is drained with `drcheck drain`.
    public struct Drain: Codable, Equatable, Sendable {
        public var reason: String
        public var by: String
        /// Unix time.
        public var at: Double
        /// No connection is left on it (active and inactive).
        public var empty: Bool

        public init(reason: String, by: String, at: Double, empty: Bool) {
            self.reason = reason
            self.by = by
            self.at = at
            self.empty = empty
        }
    }

    /// The JSON the daemon serves: snake_case keys, sorted, compact.
    public func json() -> [UInt8] {
        var output: [UInt8] = []
        for piece in 0..<pieceCount { appendPiece(piece, to: &output) }
        return output
    }

    /// The same JSON, encoded a service at a time with the loop free in between (see `EventLoop.runInSlices`).
    func json(on loop: EventLoop, slice: Duration = .milliseconds(2), _ done: @escaping ([UInt8]) -> Void) {
        var output: [UInt8] = []
        loop.runInSlices(
            count: pieceCount, slice: slice, { piece in self.appendPiece(piece, to: &output) },
            done: { done(output) })
    }

    /// The agent, each service, and the closing brackets.
    private var pieceCount: Int { services.count + 2 }

    private func appendPiece(_ piece: Int, to output: inout [UInt8]) {
        switch piece {
        case 0:
            output += Array(#"{"agent":"#.utf8) + Self.encoded(agent) + Array(#","services":["#.utf8)
        case pieceCount - 1:
            output += Array("]}\n".utf8)
        default:
            if piece > 1 { output.append(UInt8(ascii: ",")) }
            output += Self.encoded(services[piece - 1])
        }
    }

    private static func encoded(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain strings, numbers and booleans cannot fail to encode, except a non-finite Double: null stands in.
        return (try? encoder.encode(value)).map(Array.init) ?? Array("null".utf8)
    }

    public init(json: [UInt8]) throws(StatusDecodingError) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            self = try decoder.decode(StatusDocument.self, from: Data(json))
        } catch let error as DecodingError {
            throw StatusDecodingError(error)
        } catch {
            throw StatusDecodingError(description: "the daemon's status is not valid: \(error)")
        }
    }
}

public struct StatusDecodingError: Error, CustomStringConvertible, Sendable {
    public var description: String

    init(description: String) { self.description = description }

    /// One line: where in the document, and what was wrong there.
    init(_ error: DecodingError) {
        let context: DecodingError.Context? =
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                .dataCorrupted(let context):
                context
            @unknown default: nil
            }
        let path = context?.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined() ?? ""
        let reason = context?.debugDescription.split(separator: "\n").first.map(String.init) ?? "malformed"
        description = "the daemon's status is not valid: \(path.isEmpty ? "" : "at \(path): ")\(reason)"
    }
}
