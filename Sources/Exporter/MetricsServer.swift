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
    /// Given back up for a connection when accept finds no descriptor free, and taken again when one closes.
    private let reserve = DescriptorReserve()
    /// Called for each connection accepted on the reserve, the process (or the system) having no other descriptor.
    private let onExhausted: () -> Void

    public init(
        loop: EventLoop, address: ListenAddress, endpoints: MetricsEndpoints, limits: MetricsServerLimits = .init(),
        onExhausted: @escaping () -> Void = {}
    ) throws(MetricsServerError) {
        self.loop = loop
        self.limits = limits
        self.onExhausted = onExhausted
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
        reserve.take()
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
        reserve.release()
    }

    private func acceptConnections() {
        // A bounded batch per wakeup keeps a connection flood from starving the rest of the loop.
        for _ in 0..<64 {
            // accept4 is a GNU extension the Glibc module does not import; fcntl sets the same two flags.
            let fd = accept(listener, nil, nil)
            if fd < 0, errno == EMFILE || errno == ENFILE {
                // accept fails so even with nothing queued: only a connection accepted on the spare counts.
                let spared = reserve.lend { accept(listener, nil, nil) }
                if spared >= 0 {
                    onExhausted()
                    serve(spared)
                    // The spare is lent until this one closes; a connection still queued wakes the loop again.
                    return
                }
            }
            guard fd >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: pauseAccepting()
                default: break
                }
                return
            }
            serve(fd)
        }
    }

    private func serve(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0,
            connections.count < limits.maxConnections || evictOldestWaiting()
        else {
            closeConnection(fd)
            return
        }
        let connection = HTTPConnection(
            fd: fd, loop: loop, limits: limits, respond: router.respond(to:_:),
            onClose: { [weak self] fd in self?.connectionClosed(fd) })
        do {
            try connection.start()
            connections[fd] = connection
        } catch {
            closeConnection(fd)
        }
    }

    private func closeConnection(_ fd: Int32) {
        Glibc.close(fd)
        reserve.take()
    }

    /// A descriptor was just freed: the reserve, if lent, takes it back before a probe can.
    private func connectionClosed(_ fd: Int32) {
        connections[fd] = nil
        reserve.take()
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
            reserve.take()
            try? self.loop.update(self.listener, for: .readable)
        }
    }
}
