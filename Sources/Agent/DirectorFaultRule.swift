/// The director-side guard (README.md, OPERATIONS.md): a DR-path probe that fails while the same request to the
/// server's RIP passes (`dr_path`) blames the server only while the director's DR path is shown to work, by another
/// server passing through it. When every DR-path target has failed that way as often as would drain it, the
/// director is at fault (its sysctls, routes or probe services), and no server is drained for it.
public enum DirectorFaultRule {
    /// One DR-path target's recent probes.
    public struct Evidence: Equatable, Sendable {
        /// `dr_path` results in a row, up to the last.
        public var drPathInARow: Int
        /// How many in a row would drain it (its `fall`).
        public var needed: Int
        /// Its last probe passed.
        public var lastPassed: Bool

        public init(drPathInARow: Int, needed: Int, lastPassed: Bool) {
            self.drPathInARow = drPathInARow
            self.needed = needed
            self.lastPassed = lastPassed
        }
    }

    public enum Finding: Equatable, Sendable {
        /// Another server passes through the DR path: the failure is the server's.
        case server
        /// Every DR-path target (at least `minimum` of them) has failed that way `needed` times in a row.
        case director
        /// Neither is shown yet: the failure counts neither way.
        case undecided
    }

    /// What a `dr_path` result of the target with evidence `own` says, given every other DR-path target's evidence.
    public static func judge(_ own: Evidence, others: [Evidence], minimum: Int = 1) -> Finding {
        if others.contains(where: \.lastPassed) { return .server }
        let all = [own] + others
        return all.count >= minimum && all.allSatisfy({ $0.drPathInARow >= $0.needed }) ? .director : .undecided
    }
}
