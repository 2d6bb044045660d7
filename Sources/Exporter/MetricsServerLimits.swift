/// How much the metrics server gives any one client, so that hostile ones cannot hurt the loop.
public struct MetricsServerLimits: Sendable {
    /// A request head (request line and headers) larger than this gets 431.
    public var maxHeaderBytes = 8192
    /// Time to send a whole request head, from connecting or from its first byte (slowloris bound).
    public var requestTimeout: Duration = .seconds(10)
    /// Time a keep-alive connection may wait for its next request.
    public var idleTimeout: Duration = .seconds(60)
    /// Time a client has to take a response off our hands.
    public var responseTimeout: Duration = .seconds(30)
    /// Time to wait for the client's close after we closed our side, so that it reads our last response.
    public var lingerTimeout: Duration = .seconds(2)
    /// Connections held at once. Beyond it the oldest connection that is only waiting for a request is closed
    /// for the new one (so idle connections cannot lock scrapes out); if none is waiting, the new one is closed.
    public var maxConnections = 256
    /// Requests for /metrics or /status within this time of a rendering get that rendering: any number of clients
    /// cost the loop at most one rendering of each per period.
    public var renderCacheAge: Duration = .seconds(1)

    public init() {}
}
