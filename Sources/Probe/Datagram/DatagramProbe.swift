import CCurl
import EventLoop
import Glibc
import Primitives

/// One UDP probe on the loop: a socket of its own (non-blocking, closed on exec, with the check's probe mark and
/// source address), connected to the server so that an ICMP port unreachable comes back as ECONNREFUSED, the request
/// sent once, the first reply judged, the socket closed at the end or at the deadline.
final class DatagramProbe {
    /// The reply read: a DNS answer over UDP without EDNS is at most 512 bytes, a health reply a line or two. A
    /// longer one is read up to here and judged by its first bytes (a DNS answer as oversized).
    static let replyLimit = 4096

    private let loop: EventLoop
    private let check: NetworkCheck
    private let datagram: DatagramCheck
    private let completion: (ProbeResult) -> Void
    private let started: Monotonic
    private let queryID = UInt16.random(in: 0...UInt16.max)
    private var fd: Int32 = -1
    private var deadline: EventLoop.TimerID?
    /// Ended or cancelled: a failure to start, due on the loop, then says nothing.
    private var over = false

    init(
        loop: EventLoop, check: NetworkCheck, datagram: DatagramCheck, completion: @escaping (ProbeResult) -> Void
    ) {
        self.loop = loop
        self.check = check
        self.datagram = datagram
        self.completion = completion
        started = loop.now()
    }

    /// Sends the request and waits for the reply; a probe that cannot start ends on the loop, never in this call.
    func start() {
        if let failure = open() {
            loop.soon { [self] in end(failure.0, failure.1) }
            return
        }
        deadline = loop.schedule(after: check.timeout) { [unowned self] in
            deadline = nil
            timedOut()
        }
    }

    /// Ends the probe without its completion.
    func cancel() {
        over = true
        if let deadline { loop.cancel(deadline) }
        deadline = nil
        closeSocket()
    }

    private func open() -> (ProbeClass, String)? {
        let family = check.address.family == .ipv4 ? AF_INET : AF_INET6
        fd = drcheck_socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return (.localError, "socket: \(String(cString: strerror(errno)))") }
        if var mark = check.mark {
            guard setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
                return (.connectError, "SO_MARK \(mark): \(String(cString: strerror(errno)))")
            }
        }
        if let source = check.sourceAddress {
            // An address the director no longer holds is the director's fault, not the server's.
            guard Self.withSockaddr(source, port: 0, { bind(fd, $0, $1) }) == 0 else {
                return (.localError, "bind \(source): \(String(cString: strerror(errno)))")
            }
        }
        guard Self.withSockaddr(check.address, port: check.port, { connect(fd, $0, $1) }) == 0 else {
            return (.connectError, "connect: \(String(cString: strerror(errno)))")
        }
        let request: [UInt8]
        switch datagram {
        case .udp(let payload, _, _): request = payload
        case .dns(let query):
            guard let bytes = DNSMessage.query(id: queryID, query) else { return (.localError, "bad query name") }
            request = bytes
        }
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            return sendFailed(errno)
        }
        do {
            try loop.watch(fd, for: .readable) { [unowned self] _ in readable() }
        } catch {
            return (.localError, "cannot watch the probe's socket: \(error)")
        }
        return nil
    }

    private func readable() {
        var reply = [UInt8](repeating: 0, count: Self.replyLimit)
        let count = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_TRUNC)) }
        guard count >= 0 else {
            if errno == EAGAIN || errno == EINTR { return }
            if errno == ECONNREFUSED { return end(.connectRefused, "port unreachable (ICMP): nothing listens") }
            return end(.protocolError, "recv: \(String(cString: strerror(errno)))")
        }
        let oversized = count > reply.count
        reply.removeLast(reply.count - min(count, reply.count))
        switch datagram {
        case .udp(_, let expect, _):
            guard let expect, !expect.matches(reply) else { return end(.ok, "") }
            end(.bodyMismatch, "the reply does not match \"\(expect)\": \(ProbeText.excerpt(reply))")
        case .dns(let query):
            if oversized {
                return end(.protocolError, "a DNS answer of \(count) bytes, past \(Self.replyLimit)")
            }
            let (probeClass, detail) = DNSMessage.judge(reply, id: queryID, query)
            end(probeClass, detail)
        }
    }

    private func timedOut() {
        if case .udp(_, _, requireReply: false) = datagram { return end(.ok, "") }
        end(.timeout, "no reply before the deadline")
    }

    private func sendFailed(_ code: Int32) -> (ProbeClass, String) {
        let text = "send: \(String(cString: strerror(code)))"
        switch code {
        case ECONNREFUSED: return (.connectRefused, "port unreachable (ICMP): nothing listens")
        case ENOBUFS, ENOMEM, EADDRNOTAVAIL: return (.localError, text)
        default: return (.connectError, text)
        }
    }

    private func end(_ probeClass: ProbeClass, _ detail: String) {
        guard !over else { return }
        over = true
        if let deadline { loop.cancel(deadline) }
        deadline = nil
        closeSocket()
        var result = ProbeResult(probeClass, duration: loop.now() - started, detail: detail)
        result.answer = probeClass == .timeout || probeClass == .connectRefused ? .none : .other
        completion(result)
    }

    private func closeSocket() {
        guard fd >= 0 else { return }
        loop.unwatch(fd, closing: true)
        close(fd)
        fd = -1
    }

    static func withSockaddr<R>(_ address: IPAddress, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R)
        -> R
    {
        let bytes = address.bytes
        guard address.family == .ipv6 else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: bytes) }
            return asSockaddr(sin, body)
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
        return asSockaddr(sin6, body)
    }

    private static func asSockaddr<Address, R>(_ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R)
        -> R
    {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
