import EventLoop

/// What the daemon serves, each produced when a request asks for it.
public struct MetricsEndpoints {
    let renderMetrics: (EventLoop, @escaping ([UInt8]) -> Void) -> Void
    let status: () -> StatusDocument
    let ready: () -> Bool
    /// `/verdicts`: each real server's health as this director judges it, for its peers (`PeerVerdicts`).
    public var verdicts: () -> [UInt8] = { Array(PeerVerdicts.header.utf8) }

    /// Serves `metrics` rendered in slices (see `DrcheckMetrics.render(on:slice:_:)`), so that a scrape of many
    /// servers does not delay a probe that is due; with `process`, then the standard `process_*` series of this
    /// process, read from /proc at the scrape.
    public init(
        metrics: DrcheckMetrics, process: Bool = false, status: @escaping () -> StatusDocument,
        ready: @escaping () -> Bool
    ) {
        self.init(
            renderMetrics: { loop, done in
                metrics.render(on: loop) { body in
                    guard process, let current = ProcessMetrics.current() else { return done(body) }
                    done(body + current.exposition().utf8)
                }
            }, status: status, ready: ready)
    }

    /// Serves whatever `metrics` returns, rendered in one piece.
    /// - Parameter ready: true once every real server has been probed at least once (`/healthz`).
    public init(
        metrics: @escaping () -> [UInt8], status: @escaping () -> StatusDocument, ready: @escaping () -> Bool
    ) {
        self.init(renderMetrics: { _, done in done(metrics()) }, status: status, ready: ready)
    }

    /// Serves what `renderMetrics` hands to its completion, when it does.
    init(
        renderMetrics: @escaping (EventLoop, @escaping ([UInt8]) -> Void) -> Void,
        status: @escaping () -> StatusDocument, ready: @escaping () -> Bool
    ) {
        self.renderMetrics = renderMetrics
        self.status = status
        self.ready = ready
    }
}

/// Routes requests to the endpoints; the two large bodies go through a cache.
final class Router {
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let ready: () -> Bool
    /// Several peers polling cost one rendering a cache period.
    private let verdicts: CachedBody
    private let metrics: CachedBody
    /// The exposition gzipped, for scrapers that ask (Prometheus does): kept beside the plain one, which it is
    /// made from.
    private let gzippedMetrics: CachedBody
    private let status: CachedBody

    init(_ endpoints: MetricsEndpoints, loop: EventLoop, cacheAge: Duration) {
        ready = endpoints.ready
        verdicts = CachedBody(loop: loop, maxAge: cacheAge) { done in done(endpoints.verdicts()) }
        let metrics = CachedBody(loop: loop, maxAge: cacheAge) { done in endpoints.renderMetrics(loop, done) }
        self.metrics = metrics
        gzippedMetrics = CachedBody(loop: loop, maxAge: cacheAge) { done in
            metrics.get { Gzip.compress($0, on: loop, done) }
        }
        status = CachedBody(loop: loop, maxAge: cacheAge) { done in endpoints.status().json(on: loop, done) }
    }

    /// Calls `done` with the response, at once or (for a rendering under way) later on the loop.
    func respond(to request: HTTPRequestHead, _ done: @escaping (HTTPResponse) -> Void) {
        let route: (@escaping (HTTPResponse) -> Void) -> Void
        switch request.path {
        case "/metrics":
            let gzip = request.acceptsGzip
            route = { done in
                func respond(_ body: [UInt8], gzipped: Bool) {
                    var response = HTTPResponse(status: .ok, contentType: Self.prometheusContentType, body: body)
                    response.gzipped = gzipped
                    done(response)
                }
                guard gzip else { return self.metrics.get { respond($0, gzipped: false) } }
                // No bytes: zlib could not compress (out of memory), so the plain body serves.
                self.gzippedMetrics.get { body in
                    guard body.isEmpty else { return respond(body, gzipped: true) }
                    self.metrics.get { respond($0, gzipped: false) }
                }
            }
        case "/status":
            route = { done in
                self.status.get { done(HTTPResponse(status: .ok, contentType: "application/json", body: $0)) }
            }
        case "/verdicts":
            route = { done in
                self.verdicts.get {
                    done(HTTPResponse(status: .ok, contentType: "text/plain; charset=utf-8", body: $0))
                }
            }
        case "/healthz":
            route = { done in
                done(
                    self.ready()
                        ? .plain(.ok, "ok")
                        : .plain(.serviceUnavailable, "not ready: not every real server has been probed yet"))
            }
        default:
            return done(.plain(.notFound, "not found: try /metrics, /status, /verdicts or /healthz"))
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.plain(.methodNotAllowed, "method not allowed: use GET or HEAD")
            response.allow = "GET, HEAD"
            return done(response)
        }
        route(done)
    }
}
