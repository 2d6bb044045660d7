import EventLoop
import Glibc
import Primitives

/// The HTTP/1.1 server for `/metrics`, `/status` and `/healthz`, on the daemon's event loop (no thread of its own).
/// Create and use it on the loop's thread; `close()` stops it.
public final class MetricsServer {
    /// Where it listens; for port 0, with the port the kernel chose.
    public let address: ListenAddress
    private let loop: EventLoop
    private let listener: Int32
    private let limits: MetricsServerLimits
    private let router: Router
    private var connections: [Int32: HTTPConnection] = [:]
    private var closed = false

    public init(
        loop: EventLoop, address: ListenAddress, endpoints: MetricsEndpoints, limits: MetricsServerLimits = .init()
    ) throws(MetricsServerError) {
        self.loop = loop
        self.limits = limits
        router = Router(endpoints, loop: loop, cacheAge: limits.renderCacheAge)
        listener = try ListeningSocket.open(address)
        self.address = address.withBoundPort(of: listener)
        do {
            try loop.watch(listener, for: .readable) { [weak self] _ in self?.acceptConnections() }
        } catch {
            Glibc.close(listener)
            if case .unix(let path) = address { unlink(path) }
            throw MetricsServerError(description: "cannot listen on \(address): \(error)")
        }
    }

    deinit { close() }

    /// Connections open now (for tests and the daemon's own diagnostics).
    public var connectionCount: Int { connections.count }

    /// Stops listening, closes every connection and removes the unix socket file.
    public func close() {
        guard !closed else { return }
        closed = true
        loop.unwatch(listener)
        Glibc.close(listener)
        if case .unix(let path) = address { unlink(path) }
        for connection in Array(connections.values) { connection.close() }
    }

    private func acceptConnections() {
        // A bounded batch per wakeup keeps a connection flood from starving the rest of the loop.
        for _ in 0..<64 {
            // accept4 is a GNU extension the Glibc module does not import; fcntl sets the same two flags.
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: pauseAccepting()
                default: break
                }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0,
                connections.count < limits.maxConnections || evictOldestWaiting()
            else {
                Glibc.close(fd)
                continue
            }
            let connection = HTTPConnection(
                fd: fd, loop: loop, limits: limits, respond: router.respond(to:_:),
                onClose: { [weak self] fd in self?.connections[fd] = nil })
            do {
                try connection.start()
                connections[fd] = connection
            } catch {
                Glibc.close(fd)
            }
        }
    }

    private func evictOldestWaiting() -> Bool {
        guard let oldest = connections.values.filter(\.isWaiting).min(by: { $0.waitingSince < $1.waitingSince })
        else { return false }
        oldest.close()
        return true
    }

    /// Out of descriptors: the pending connection stays queued and the listener would wake the loop at once, again
    /// and again. Stop watching it for a moment instead.
    private func pauseAccepting() {
        do { try loop.update(listener, for: []) } catch { return }
        loop.schedule(after: .milliseconds(100)) { [weak self] in
            guard let self, !self.closed else { return }
            try? self.loop.update(self.listener, for: .readable)
        }
    }
}
