extension CaseIterable where Self: CustomStringConvertible {
    /// The case written `name` (its `description`: `tcp`, `ipv6`), as configs, service keys and labels write it.
    public init?(named name: some StringProtocol) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }
}
