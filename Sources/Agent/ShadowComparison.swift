/// Shadow mode (`--dry-run` beside another checker, keepalived say, on the same table): drcheck's verdict on each
/// server against the weight the other checker keeps in the kernel. A disagreement is reported once it has lasted
/// `grace` (both checkers take a few probes to decide, at their own pace), and once when it ends.
public struct ShadowComparison: Sendable {
    public struct View: Hashable, Sendable {
        /// drcheck's verdict.
        public var up: Bool
        /// The weight in the kernel (set by the other checker).
        public var weight: Int

        public init(up: Bool, weight: Int) {
            self.up = up
            self.weight = weight
        }

        var agrees: Bool { up == (weight > 0) }
    }

    public struct Disagreement: Hashable, Sendable, CustomStringConvertible {
        public var id: ServerID
        public var view: View
        /// When it began (before the grace).
        public var since: AgentTime

        public var description: String {
            view.up
                ? "\(id): drcheck finds it up, the kernel has it at weight 0"
                : "\(id): drcheck finds it down, the kernel has it at weight \(view.weight)"
        }
    }

    public static let grace: Duration = .seconds(10)

    /// Disagreements seen, reported or not yet.
    private var open: [ServerID: Disagreement] = [:]
    /// Those reported (past the grace).
    public private(set) var reported: [ServerID: Disagreement] = [:]

    public init() {}

    /// Compares every server's view now; returns the disagreements to report now and the servers that agree again.
    public mutating func compare(_ views: [ServerID: View], at now: AgentTime) -> (
        began: [Disagreement], ended: [ServerID]
    ) {
        var ended: [ServerID] = []
        for id in open.keys.sorted() where views[id].map({ $0.agrees }) ?? true {
            open[id] = nil
            if reported.removeValue(forKey: id) != nil { ended.append(id) }
        }
        var began: [Disagreement] = []
        for (id, view) in views.sorted(by: { $0.key < $1.key }) where !view.agrees {
            // A verdict that flips to the other disagreement starts its wait again.
            if open[id]?.view.up != view.up {
                if reported.removeValue(forKey: id) != nil { ended.append(id) }
                open[id] = Disagreement(id: id, view: view, since: now)
            }
            open[id]?.view.weight = view.weight
            guard let disagreement = open[id], reported[id] == nil, now - disagreement.since >= Self.grace else {
                continue
            }
            reported[id] = disagreement
            began.append(disagreement)
        }
        return (began, ended)
    }
}
