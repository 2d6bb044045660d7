import EventLoop
import Glibc

/// A misbehaving-on-request HTTP server on 127.0.0.1, a random port, driven by the test's own event loop.
final class LoopbackServer {
    enum Mode {
        /// A complete response, then a close.
        case respond(status: Int, headers: [String] = [], body: String)
        /// Reads the request, never answers.
        case hang
        /// Sends a 200 head announcing a body, then one byte every `every`.
        case trickle(every: Duration)
        /// Reads the request, then closes with an RST (SO_LINGER 0).
        case reset
        /// Reads the request, then closes with a FIN and no response.
        case close
        /// Answers bytes that are not HTTP.
        case garbage
        /// Sends `text` as soon as it accepts, before any request (an SMTP banner, a database's greeting), and keeps
        /// the connection open.
        case banner(String)
        /// A 200 head announcing `bytes` of body, then the body as fast as the client takes it.
        case largeBody(bytes: Int)
        /// A line protocol (Redis, SMTP after the banner): each line the client sends is recorded as a request and
        /// answered with `text`; the connection stays open.
        case lineReply(String)
        /// DNS over TCP: each length-prefixed message is answered with itself, QR set and its flags' low byte
        /// replaced by `rcodeByte` (0x80: NOERROR, 0x82: SERVFAIL).
        case dnsEcho(rcodeByte: UInt8)
    }

    let port: UInt16
    private(set) var requests: [String] = []
    private(set) var peers: [String] = []
    /// Bytes of responses written to clients, heads included.
    private(set) var bytesSent = 0
    private let loop: EventLoop
    private let mode: Mode
    private let listener: Int32
    private var connections: Set<Int32> = []

    init(loop: EventLoop, mode: Mode, address: String = "127.0.0.1") throws {
        self.loop = loop
        self.mode = mode
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        listener = fd
        var local = try SocketAddress(address, port: 0)
        guard local.withSockaddr({ bind(fd, $0, $1.pointee) }) == 0, listen(fd, 512) == 0 else {
            throw SystemError("bind/listen")
        }
        port = try SocketAddress.local(of: listener).port
        try loop.watch(listener, for: .readable) { [unowned self] _ in acceptAll() }
    }

    func stop() {
        for fd in connections { drop(fd) }
        loop.unwatch(listener)
        Glibc.close(listener)
    }

    private func acceptAll() {
        while true {
            var peer = SocketAddress.empty
            let fd = peer.withSockaddr { accept(listener, $0, $1) }
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            peers.append(peer.host)
            connections.insert(fd)
            if case .banner(let text) = mode {
                send(fd, text)
                continue
            }
            var received: [UInt8] = []
            try? loop.watch(fd, for: .readable) { [unowned self] _ in
                guard readAvailable(fd, into: &received) else { return drop(fd) }
                let head = String(decoding: received, as: UTF8.self)
                if case .dnsEcho(let rcodeByte) = mode {
                    while received.count >= 2, received.count >= 2 + (Int(received[0]) << 8 | Int(received[1])) {
                        let message = Array(received[2..<2 + (Int(received[0]) << 8 | Int(received[1]))])
                        received.removeFirst(message.count + 2)
                        requests.append(String(decoding: message, as: UTF8.self))
                        let answer = [message[0], message[1], message[2] | 0x80, rcodeByte] + message[4...]
                        write(fd, [UInt8(answer.count >> 8), UInt8(answer.count & 0xff)] + answer, answer.count + 2)
                    }
                    return
                }
                if case .lineReply(let text) = mode {
                    while let end = received.firstIndex(of: 0x0a) {
                        requests.append(String(decoding: received[...end], as: UTF8.self))
                        received.removeSubrange(...end)
                        send(fd, text)
                    }
                    return
                }
                // Answer once the request head is complete, or at once to a TLS handshake record.
                if received.first == 0x16 || head.contains("\r\n\r\n") {
                    loop.unwatch(fd)
                    requests.append(head)
                    answer(fd)
                }
            }
        }
    }

    private func readAvailable(_ fd: Int32, into received: inout [UInt8]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = read(fd, &buffer, buffer.count)
        if count > 0 { received += buffer.prefix(count) }
        return count > 0 || (count < 0 && errno == EAGAIN)
    }

    private func answer(_ fd: Int32) {
        switch mode {
        case .respond(let status, let headers, let body):
            let head =
                (["HTTP/1.1 \(status) Status", "Content-Length: \(body.utf8.count)", "Connection: close"]
                + headers).joined(separator: "\r\n")
            stream(fd, head: head + "\r\n\r\n" + body, filler: 0)
        case .hang:
            break
        case .trickle(let every):
            send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            trickle(fd, every: every)
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            drop(fd)
        case .close:
            drop(fd)
        case .garbage:
            send(fd, "this is not HTTP at all\r\n\r\n")
            drop(fd)
        case .banner, .lineReply, .dnsEcho:
            break
        case .largeBody(let bytes):
            // A small send buffer, so that what the kernel takes ahead of the client is little beside what it reads.
            var size: Int32 = 65536
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            stream(fd, head: "HTTP/1.1 200 OK\r\nContent-Length: \(bytes)\r\nConnection: close\r\n\r\n", filler: bytes)
        }
    }

    /// Writes `head`, then `filler` bytes of "a", as fast as the client takes them (a response of megabytes does not
    /// fit one write); closes when all is written or the client has gone.
    private func stream(_ fd: Int32, head: String, filler: Int) {
        var pending = ArraySlice(head.utf8)
        var left = filler
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 65536)
        /// True when there is nothing more to write.
        func pump() -> Bool {
            while true {
                if pending.isEmpty {
                    guard left > 0 else { return true }
                    pending = chunk.prefix(left)
                    left -= pending.count
                }
                let count = pending.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { return errno != EAGAIN }
                pending = pending.dropFirst(count)
                bytesSent += count
            }
        }
        guard !pump() else { return drop(fd) }
        try? loop.watch(fd, for: .writable) { [unowned self] _ in if pump() { drop(fd) } }
    }

    private func trickle(_ fd: Int32, every: Duration) {
        loop.schedule(after: every) { [weak self] in
            guard let self, connections.contains(fd) else { return }
            send(fd, "x")
            trickle(fd, every: every)
        }
    }

    private func send(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { _ = write(fd, $0.baseAddress, $0.count) }
    }

    private func drop(_ fd: Int32) {
        loop.unwatch(fd)
        connections.remove(fd)
        Glibc.close(fd)
    }
}

/// An IPv4 socket address for the test servers.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)

    init(_ host: String, port: UInt16) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SystemError("inet_pton", errno: EINVAL) }
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
    }

    private init() { length = socklen_t(MemoryLayout<sockaddr_storage>.size) }

    /// Room for any address, for accept and getsockname to fill.
    static var empty: SocketAddress { SocketAddress() }

    static func local(of fd: Int32) throws -> SocketAddress {
        var result = SocketAddress.empty
        guard result.withSockaddr({ getsockname(fd, $0, $1) }) == 0 else {
            throw SystemError("getsockname")
        }
        return result
    }

    mutating func withSockaddr<T>(_ body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> T) -> T {
        withUnsafeMutablePointer(to: &length) { length in
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
            }
        }
    }

    private var inet: sockaddr_in { withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) } }

    var port: UInt16 { UInt16(bigEndian: inet.sin_port) }

    var host: String {
        var address = inet.sin_addr
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension EventLoop {
    /// Runs the loop until `done()` holds; gives up after `limit` so that a broken engine fails the test, not hangs it.
    func run(until done: () -> Bool, limit: Duration = .seconds(20)) throws {
        let giveUp = now() + limit
        while !done(), now() < giveUp { try runOnce(timeout: 20) }
    }
}

/// A loopback port held bound but not listening until `close()`: a connection to it is refused, and no other process
/// can take the port meanwhile (a port merely free when picked could be).
struct RefusingPort {
    let port: UInt16
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = try SocketAddress("127.0.0.1", port: 0)
        guard local.withSockaddr({ bind(fd, $0, $1.pointee) }) == 0 else {
            Glibc.close(fd)
            throw SystemError("bind")
        }
        (self.fd, port) = (fd, try SocketAddress.local(of: fd).port)
    }

    func close() { Glibc.close(fd) }
}
