/// An operator's drain made with `drcheck drain`: why, who and when. Kept in the drains file until `drcheck undrain`,
/// and in the state file with the server it holds at weight 0.
public struct DrainNote: Hashable, Sendable, Codable {
    public var reason: String
    /// The user who asked (SUDO_USER when run through sudo).
    public var by: String
    /// Unix time.
    public var at: Double

    public init(reason: String, by: String, at: Double) {
        self.reason = reason
        self.by = by
        self.at = at
    }
}
