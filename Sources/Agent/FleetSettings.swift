import Primitives

/// `fleet`: directors that agree on their real servers' health through etcd (OPERATIONS.md "An ECMP fleet"). Each
/// publishes its verdicts under a lease; a real server that at least `quorum` other live directors see failing is
/// drained on this one too. Off unless configured.
public struct FleetSettings: Hashable, Sendable {
    /// etcd's client endpoints (its HTTP/JSON gateway), tried in turn.
    public var etcd: [Endpoint]
    /// This director's name in the fleet, unique in it; nil: the host's name.
    public var name: String?
    /// How many other directors must see a server failing for this one to drain it too.
    public var quorum: Int
    /// The lease this director's verdicts live under: they vanish from the fleet this long after it stops.
    public var lease: Duration = .seconds(10)
    /// The keys of the fleet's verdicts begin with it (one fleet per prefix).
    public var prefix = "/drcheck/fleet/"

    public init(etcd: [Endpoint], name: String? = nil, quorum: Int) {
        self.etcd = etcd
        self.name = name
        self.quorum = quorum
    }
}

/// Reads `fleet: {etcd, name, quorum, lease, prefix}`.
enum FleetSettingsParser {
    static let keys = ["etcd", "name", "quorum", "lease", "prefix"]

    static func parse(_ field: YAMLField) throws(ConfigError) -> FleetSettings {
        let map = try field.mapping(known: keys)
        guard let etcd = map["etcd"], let quorum = map["quorum"] else { throw field.error("needs etcd and quorum") }
        var fleet = FleetSettings(
            etcd: try ConfigParser.endpoints(etcd, of: "etcd's client address"),
            // One director's view is its own verdict already; a quorum of one would let any director drain the
            // whole fleet's servers.
            quorum: try quorum.int(in: 2...64))
        if let f = map["name"] {
            let name = try f.string()
            guard (1...64).contains(name.utf8.count),
                name.utf8.allSatisfy({ ConfigParser.isNameByte($0) || $0 == UInt8(ascii: ".") })
            else {
                throw f.error("must be 1-64 letters, digits, '.', '-' or '_' (got \(ConfigError.quoted(name)))")
            }
            fleet.name = name
        }
        if let f = map["lease"] {
            fleet.lease = try ConfigParser.positive(f)
            guard fleet.lease >= .seconds(3), fleet.lease <= .seconds(300) else {
                throw f.error("must be 3s-300s: it is renewed every third of it")
            }
        }
        if let f = map["prefix"] {
            let prefix = try f.string()
            guard prefix.hasPrefix("/"), prefix.hasSuffix("/"), prefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
            else { throw f.error("must begin and end with / and hold no spaces (got \(ConfigError.quoted(prefix)))") }
            fleet.prefix = prefix
        }
        return fleet
    }
}
