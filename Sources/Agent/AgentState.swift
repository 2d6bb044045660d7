import Primitives

/// Who set a destination's weight to 0.
public enum Drainer: String, Hashable, Sendable, Codable {
    /// drcheck, because the server is unhealthy: undone when it recovers.
    case drcheck
    /// Someone else (ipvsadm -e ... -w 0): an administrative drain drcheck never undoes.
    case `operator`
}

/// Where a configured weight came from.
public enum WeightSource: String, Hashable, Sendable, Codable {
    case config
    case firstSeen = "first_seen"
    /// Set by someone else in the kernel and adopted.
    case adopted
}

/// What drcheck knows about one destination, kept across restarts and `--once` runs.
public struct ServerRecord: Hashable, Sendable, Codable {
    /// The weight to restore; nil until known (first seen at weight 0 and not in the config).
    public var configured: Int?
    public var configuredFrom: WeightSource?
    /// The weight the config named when last loaded, to notice when a reload changes it.
    public var configWeight: Int?
    /// The weight in the kernel as far as drcheck knows: last read, or last written.
    public var weight: Int
    public var drainedBy: Drainer?
    /// The health verdict (rise/fall hysteresis applied).
    public var up: Bool
    /// The probe class of the failure that took it down.
    public var downClass: String?
    /// Consecutive successes (capped at rise) and failures (capped at fall).
    public var successes = 0
    public var failures = 0
    /// A slow-start ramp was under way: a restart finishes it at once.
    public var ramping = false
    /// Drained with `drcheck drain`: held at weight 0 whatever its checks say, until `drcheck undrain`.
    public var maintenance: DrainNote?

    public init(weight: Int, up: Bool) {
        self.weight = weight
        self.up = up
    }
}

/// Everything the state file holds: written by `json()`, read back through Decodable.
public struct AgentState: Hashable, Sendable, Decodable {
    public static let currentVersion = 1

    public var version = AgentState.currentVersion
    public var servers: [ServerID: ServerRecord] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case version, servers
    }

    private struct Entry: Decodable {
        var service: ServiceKey
        var server: Endpoint
        var record: ServerRecord
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        let entries = try container.decode([Entry].self, forKey: .servers)
        for entry in entries {
            guard entry.record.weight >= 0, entry.record.configured.map({ $0 >= 1 }) ?? true else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [CodingKeys.servers], debugDescription: "weight out of range for \(entry.server)")
                )
            }
            var service = entry.service
            // Before fwmark keys had a family, an IPv6 fwmark service was saved as `fwmark:N` too: its servers' IPv6
            // addresses (DR needs the service's family) say which service they belong to.
            if case .fwmark(let mark, .ipv4) = service, entry.server.address.family == .ipv6 {
                service = .fwmark(mark, family: .ipv6)
            }
            servers[ServerID(service: service, server: entry.server)] = entry.record
        }
    }
}
