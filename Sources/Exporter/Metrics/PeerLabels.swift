/// One disagreement with a peer: the server, and the peer (its listen address) that judges it otherwise.
public struct PeerLabels: Hashable, Sendable {
    public var server: ServerLabels
    public var peer: String

    public init(server: ServerLabels, peer: String) {
        self.server = server
        self.peer = peer
    }
}
