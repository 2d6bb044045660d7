import EventLoop
import Glibc

/// One client connection, driven by the loop: read a request head, answer it, repeat while kept alive.
/// While a response is being written nothing is read (backpressure); every wait has a deadline.
final class HTTPConnection {
    let fd: Int32
    /// When the connection began waiting for its current request (eviction picks the oldest).
    private(set) var waitingSince: Monotonic
    private let loop: EventLoop
    private let limits: MetricsServerLimits
    private let respond: (HTTPRequestHead) -> HTTPResponse
    private let onClose: (Int32) -> Void
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    private var closeWhenWritten = false
    private var watchingWrites = false
    private var peerClosed = false
    private var requestStarted = true
    private var lingering = false
    private var lingerDiscarded = 0
    private var closed = false
    private var deadline: EventLoop.TimerID?

    /// Only waiting for (the rest of) a request, or for the client's close: nothing is lost by closing it.
    var isWaiting: Bool { output.isEmpty || lingering }

    init(
        fd: Int32, loop: EventLoop, limits: MetricsServerLimits, respond: @escaping (HTTPRequestHead) -> HTTPResponse,
        onClose: @escaping (Int32) -> Void
    ) {
        self.fd = fd
        self.loop = loop
        self.limits = limits
        self.respond = respond
        self.onClose = onClose
        waitingSince = loop.now()
    }

    func start() throws(SystemError) {
        try loop.watch(fd, for: .readable) { [weak self] events in self?.handle(events) }
        arm(limits.requestTimeout)
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let deadline { loop.cancel(deadline) }
        loop.unwatch(fd)
        Glibc.close(fd)
        onClose(fd)
    }

    private func handle(_ events: EventLoop.Events) {
        if !events.isDisjoint(with: .hangup) { peerClosed = true }
        if lingering {
            discardInput()
        } else if !output.isEmpty {
            if writeOutput() { responseWritten() }
        } else {
            readInput()
            processInput()
        }
    }

    // MARK: reading

    private func readInput() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { chunk in
            // At most one byte past the limit is kept: enough for the parser to say 431.
            while !closed, input.count <= limits.maxHeaderBytes {
                let room = min(chunk.count, limits.maxHeaderBytes + 1 - input.count)
                let count = recv(fd, chunk.baseAddress, room, 0)
                if count > 0 {
                    input.append(contentsOf: chunk.prefix(count))
                } else if count == 0 {
                    peerClosed = true
                    return
                } else if errno == EINTR {
                    continue
                } else if errno == EAGAIN || errno == EWOULDBLOCK {
                    return
                } else {
                    close()
                    return
                }
            }
        }
    }

    /// Answers every complete request in the buffer, one at a time, as long as responses leave at once.
    private func processInput() {
        while !closed && output.isEmpty && !lingering {
            switch HTTPRequestParser.parse(input, limit: limits.maxHeaderBytes) {
            case .incomplete:
                if peerClosed {
                    close()
                } else if !input.isEmpty && !requestStarted {
                    requestStarted = true
                    arm(limits.requestTimeout)
                }
                return
            case .request(let head, let length):
                input.removeFirst(length)
                if head.hasBody {
                    send(.plain(.contentTooLarge, "request bodies are not accepted"), headOnly: false, keepAlive: nil)
                } else {
                    let keepAlive: HTTPResponse.Persistence? =
                        head.keepAlive ? (head.minorVersion == 0 ? .keepAliveHTTP10 : .keepAlive) : nil
                    send(respond(head), headOnly: head.method == "HEAD", keepAlive: keepAlive)
                }
            case .invalid(let status):
                send(.plain(status, "\(status.reason.lowercased())"), headOnly: false, keepAlive: nil)
            }
        }
    }

    // MARK: writing

    /// Queues a response and writes what the socket takes; `keepAlive` nil closes the connection after it.
    private func send(_ response: HTTPResponse, headOnly: Bool, keepAlive: HTTPResponse.Persistence?) {
        output = response.serialized(headOnly: headOnly, persistence: keepAlive ?? .close)
        written = 0
        closeWhenWritten = keepAlive == nil
        if writeOutput() {
            responseWritten()
        } else if !closed {
            watchingWrites = true
            watch(.writable)
            arm(limits.responseTimeout)
        }
    }

    /// Writes as much as the socket takes; true once everything is written.
    private func writeOutput() -> Bool {
        while written < output.count {
            let count = output.withUnsafeBytes { bytes in
                Glibc.send(fd, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !peerClosed {
                return false
            } else {
                // Broken, or a peer that hung up and does not take its response: waiting would only spin.
                close()
                return false
            }
        }
        return true
    }

    private func responseWritten() {
        output = []
        written = 0
        if closeWhenWritten || peerClosed && input.isEmpty {
            linger()
            return
        }
        if watchingWrites {
            watchingWrites = false
            watch(.readable)
        }
        requestStarted = false
        waitingSince = loop.now()
        arm(limits.idleTimeout)
        processInput()
    }

    // MARK: closing

    /// Closes our side and waits briefly for the client's close, so that unread request bytes do not turn into
    /// a reset that destroys the response before the client has read it.
    private func linger() {
        shutdown(fd, Int32(SHUT_WR))
        guard !peerClosed else {
            close()
            return
        }
        lingering = true
        input = []
        watch(.readable)
        arm(limits.lingerTimeout)
    }

    private func discardInput() {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { chunk in
            while true {
                let count = recv(fd, chunk.baseAddress, chunk.count, 0)
                if count > 0 {
                    lingerDiscarded += count
                    if lingerDiscarded > 1 << 20 { break }
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    return
                } else {
                    break
                }
            }
            close()
        }
    }

    private func watch(_ events: EventLoop.Events) {
        do {
            try loop.update(fd, for: events)
        } catch {
            close()
        }
    }

    private func arm(_ timeout: Duration) {
        if let deadline { loop.cancel(deadline) }
        deadline = loop.schedule(after: timeout) { [weak self] in self?.close() }
    }
}
