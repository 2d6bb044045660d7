/// What the daemon serves, each produced when a request asks for it.
public struct MetricsEndpoints {
    /// The Prometheus exposition (usually `DrcheckMetrics.render`).
    public var metrics: () -> [UInt8]
    public var status: () -> StatusDocument
    /// True once every real server has been probed at least once.
    public var ready: () -> Bool

    public init(
        metrics: @escaping () -> [UInt8], status: @escaping () -> StatusDocument, ready: @escaping () -> Bool
    ) {
        self.metrics = metrics
        self.status = status
        self.ready = ready
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    func respond(to request: HTTPRequestHead) -> HTTPResponse {
        let render: () -> HTTPResponse
        switch request.path {
        case "/metrics":
            render = { HTTPResponse(status: .ok, contentType: Self.prometheusContentType, body: metrics()) }
        case "/status":
            render = { HTTPResponse(status: .ok, contentType: "application/json", body: status().json()) }
        case "/healthz":
            render = {
                ready()
                    ? .plain(.ok, "ok")
                    : .plain(.serviceUnavailable, "not ready: not every real server has been probed yet")
            }
        default:
            return .plain(.notFound, "not found: try /metrics, /status or /healthz")
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.plain(.methodNotAllowed, "method not allowed: use GET or HEAD")
            response.allow = "GET, HEAD"
            return response
        }
        return render()
    }
}
