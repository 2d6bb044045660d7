import Primitives

/// What the fleet's directors agree on (`fleet`): from the other live directors' verdicts, the real servers at least
/// `quorum` of them see failing (drained here too, whatever this director sees), and those this director alone sees
/// failing while `quorum` others see them healthy (kept drained here: this director's own path, said so). Pure:
/// verdicts in, sets out. A director that does not list a server has no vote on it.
public struct FleetAgreement: Hashable, Sendable {
    /// The servers at least `quorum` other directors see failing, with how many do.
    public var down: [ServerID: Int] = [:]
    /// The servers this director sees failing and at least `quorum` others see healthy, with how many do.
    public var downHereOnly: [ServerID: Int] = [:]

    public init() {}

    /// `others`: each other live director's verdicts (true: up); `ours`: this director's.
    public init(others: [String: [ServerID: Bool]], ours: [ServerID: Bool], quorum: Int) {
        var downVotes: [ServerID: Int] = [:]
        var upVotes: [ServerID: Int] = [:]
        for verdicts in others.values {
            for (id, up) in verdicts {
                if up { upVotes[id, default: 0] += 1 } else { downVotes[id, default: 0] += 1 }
            }
        }
        down = downVotes.filter { $0.value >= quorum }
        downHereOnly = upVotes.filter { id, votes in votes >= quorum && ours[id] == false }
    }
}
