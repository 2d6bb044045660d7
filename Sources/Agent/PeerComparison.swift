import Primitives

/// This director's verdicts against its peers' (`peers`: other directors' drchecks): a real server that a peer judges
/// otherwise is a disagreement once it has lasted `lasting` (a probe's worth of timing never is one); a peer not read
/// has no disagreement. Pure: verdicts and a clock in, the disagreements that began and ended out. Peers change no
/// weight (OPERATIONS.md "Peers").
public struct PeerComparison: Sendable {
    /// How long two directors must judge a server otherwise for it to be a disagreement.
    public static let lasting: Duration = .seconds(10)

    public struct Disagreement: Hashable, Sendable, CustomStringConvertible {
        public var peer: String
        public var id: ServerID
        /// This director's verdict (the peer's is the other).
        public var ours: Bool

        public var description: String {
            "\(id): \(ours ? "up" : "down") here, \(ours ? "down" : "up") at peer \(peer)"
        }
    }

    private struct Key: Hashable {
        var peer: String
        var id: ServerID
    }

    /// Since when each server and peer have disagreed, and this director's verdict then.
    private var since: [Key: (at: AgentTime, ours: Bool)] = [:]
    /// The disagreements that lasted, as reported.
    public private(set) var reported: Set<Disagreement> = []

    public init() {}

    /// Compares `ours` with `peer`'s verdicts read at `now` (nil: the peer could not be read, and all its
    /// disagreements end). Servers only one side knows are not compared.
    public mutating func compare(
        peer: String, theirs: [ServerID: Bool]?, ours: [ServerID: Bool], at now: AgentTime
    ) -> (began: [Disagreement], ended: [Disagreement]) {
        var current: [Key: Bool] = [:]
        for (id, their) in theirs ?? [:] {
            guard let our = ours[id], our != their else { continue }
            current[Key(peer: peer, id: id)] = our
        }
        for key in since.keys where key.peer == peer && current[key] != since[key]?.ours {
            since[key] = nil
        }
        for (key, our) in current where since[key] == nil { since[key] = (now, our) }
        let lasting = Set(
            since.compactMap { key, value in
                key.peer == peer && now - value.at >= Self.lasting
                    ? Disagreement(peer: peer, id: key.id, ours: value.ours) : nil
            })
        let before = reported.filter { $0.peer == peer }
        reported.subtract(before)
        reported.formUnion(lasting)
        return (
            lasting.subtracting(before).sorted { $0.id < $1.id }, before.subtracting(lasting).sorted { $0.id < $1.id }
        )
    }

    /// Forgets a peer no longer configured: its disagreements end.
    public mutating func forget(peer: String) -> [Disagreement] {
        for key in since.keys where key.peer == peer { since[key] = nil }
        let gone = reported.filter { $0.peer == peer }
        reported.subtract(gone)
        return gone.sorted { $0.id < $1.id }
    }
}
