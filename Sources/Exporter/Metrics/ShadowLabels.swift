/// One shadow-mode disagreement's series: the server, and drcheck's verdict on it (`up` or `down`).
public struct ShadowLabels: Hashable, Sendable {
    public var server: ServerLabels
    public var drcheck: String

    public init(server: ServerLabels, drcheck: String) {
        self.server = server
        self.drcheck = drcheck
    }
}
