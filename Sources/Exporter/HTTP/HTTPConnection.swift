import EventLoop
import Glibc

/// One client connection, driven by the loop: read a request head, answer it, repeat while kept alive.
/// While a response is being produced or written nothing is read (backpressure); every wait has a deadline.
final class HTTPConnection {
    typealias Responder = (HTTPRequestHead, @escaping (HTTPResponse) -> Void) -> Void

    let fd: Int32
    /// When the connection began waiting for its current request (eviction picks the oldest).
    private(set) var waitingSince: Monotonic
    private let loop: EventLoop
    private let limits: MetricsServerLimits
    private let respond: Responder
    private let onClose: (Int32) -> Void
    private var input: [UInt8] = []
    private var output: WireBytes?
    private var closeWhenWritten = false
    private var watched: EventLoop.Events? = .readable
    private var awaitingResponse = false
    private var peerClosed = false
    private var requestStarted = true
    private var lingering = false
    private var lingerDiscarded = 0
    private var closed = false
    private var deadline: EventLoop.TimerID?

    /// Only waiting for (the rest of) a request, or for the client's close: nothing is lost by closing it.
    var isWaiting: Bool { (output == nil && !awaitingResponse) || lingering }

    init(
        fd: Int32, loop: EventLoop, limits: MetricsServerLimits, respond: @escaping Responder,
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
        } else if output != nil {
            if writeOutput() && finishResponse() { processInput() }
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

    /// Answers the complete requests in the buffer, one at a time, as long as each response is ready and leaves at
    /// once; otherwise the rest waits until it has.
    private func processInput() {
        while !closed && output == nil && !awaitingResponse && !lingering {
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
                    // The body is never read, so the connection cannot go on: the answer closes it.
                    _ = send(.plain(.contentTooLarge, "request bodies are not accepted"), for: nil)
                    return
                }
                guard let response = produceResponse(head), send(response, for: head) else { return }
            case .invalid(let status):
                _ = send(.plain(status, status.reason.lowercased()), for: nil)
                return
            }
        }
    }

    /// The response if it is ready now; else nil, with the connection set to wait for it.
    private func produceResponse(_ head: HTTPRequestHead) -> HTTPResponse? {
        var immediate: HTTPResponse?
        var synchronous = true
        awaitingResponse = true
        respond(head) { [weak self] response in
            if synchronous {
                immediate = response
            } else if let self, !self.closed {
                self.awaitingResponse = false
                if self.send(response, for: head) { self.processInput() }
            }
        }
        synchronous = false
        if immediate == nil {
            // Nothing to do on the socket until the response is ready; a hangup meanwhile must not wake the loop.
            // No deadline either: the rendering is drcheck's work (slower when its CPU is short), not the client's,
            // and it always ends; the response deadline starts when there is something to send.
            watch(nil)
            disarm()
        } else {
            awaitingResponse = false
        }
        return immediate
    }

    // MARK: writing

    /// Queues the response to `request` (nil: a refused one, closed after) and writes what the socket takes.
    /// True once it is written and the connection waits for the next request.
    private func send(_ response: HTTPResponse, for request: HTTPRequestHead?) -> Bool {
        var persistence = HTTPResponse.Persistence.close
        if let request, request.keepAlive { persistence = request.minorVersion == 0 ? .keepAliveHTTP10 : .keepAlive }
        output = response.wire(headOnly: request?.method == "HEAD", persistence: persistence)
        closeWhenWritten = persistence == .close
        if writeOutput() { return finishResponse() }
        if !closed {
            watch(.writable)
            arm(limits.responseTimeout)
        }
        return false
    }

    /// Writes a slice of the response; true once everything is written. Otherwise the rest goes out when the socket
    /// is writable again (at once, if only the slice was used up: the loop runs its due timers in between).
    private func writeOutput() -> Bool {
        switch output?.send(to: fd) {
        case .done, nil:
            return true
        case .yielded:
            return false
        case .blocked where !peerClosed:
            return false
        case .blocked, .failed:
            // Broken, or a peer that hung up and does not take its response: waiting would only spin.
            close()
            return false
        }
    }

    /// After a whole response: close, or wait for the next request. True in the second case.
    private func finishResponse() -> Bool {
        output = nil
        if closeWhenWritten || peerClosed && input.isEmpty {
            linger()
            return false
        }
        watch(.readable)
        requestStarted = false
        waitingSince = loop.now()
        arm(limits.idleTimeout)
        return true
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

    /// Waits for `events` on the socket, or for nothing at all (nil: not even a hangup is reported).
    private func watch(_ events: EventLoop.Events?) {
        guard events != watched, !closed else { return }
        do {
            if let events {
                if watched == nil {
                    try loop.watch(fd, for: events) { [weak self] events in self?.handle(events) }
                } else {
                    try loop.update(fd, for: events)
                }
            } else {
                loop.unwatch(fd)
            }
            watched = events
        } catch {
            close()
        }
    }

    private func arm(_ timeout: Duration) {
        disarm()
        deadline = loop.schedule(after: timeout) { [weak self] in self?.close() }
    }

    private func disarm() {
        if let deadline { loop.cancel(deadline) }
        deadline = nil
    }
}
