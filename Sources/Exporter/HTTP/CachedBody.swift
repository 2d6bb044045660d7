import EventLoop

/// A response body rendered at most once per `maxAge`: requests meanwhile get the same bytes, and requests that
/// arrive while a rendering is under way wait for it. Many clients thereby cost the loop one rendering. Once stale the
/// body is let go, as the next request renders afresh anyway: with 2,000 servers the exposition is 5 MB, and scrapes
/// come seconds apart.
final class CachedBody {
    private let loop: EventLoop
    private let maxAge: Duration
    private let render: (@escaping ([UInt8]) -> Void) -> Void
    private var cached: (body: [UInt8], renderedAt: Monotonic)?
    private var waiting: [([UInt8]) -> Void]?

    init(loop: EventLoop, maxAge: Duration, render: @escaping (@escaping ([UInt8]) -> Void) -> Void) {
        self.loop = loop
        self.maxAge = maxAge
        self.render = render
    }

    /// Whether a body is kept for the requests to come.
    var holdsBody: Bool { cached != nil }

    func get(_ done: @escaping ([UInt8]) -> Void) {
        if let cached, loop.now() - cached.renderedAt < maxAge {
            done(cached.body)
            return
        }
        if waiting != nil {
            waiting?.append(done)
            return
        }
        waiting = [done]
        let started = loop.now()
        render { [weak self] body in
            guard let self else { return }
            cached = (body, started)
            loop.schedule(at: started + maxAge) { [weak self] in
                if self?.cached?.renderedAt == started { self?.cached = nil }
            }
            let waiters = waiting ?? []
            waiting = nil
            for waiter in waiters { waiter(body) }
        }
    }
}
