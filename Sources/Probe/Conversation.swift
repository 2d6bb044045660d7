import CCurl
import Glibc

/// A tcp check's exchange with its server on the connection libcurl made for it (CONNECT_ONLY): the check's `send`
/// written with curl_easy_send, then the answer read with curl_easy_recv until it matches the expected pattern (a
/// banner or a reply: SMTP's `220`, Redis's `+PONG`), or a DNS query over TCP and its whole answer. The engine
/// watches the socket and keeps the deadline; this decides what each readiness means.
struct Conversation {
    /// The answer kept for the pattern: a banner or a reply fits in a line or two, and a server that says more
    /// without saying what is expected has answered wrongly.
    static let answerLimit = 4096

    enum Step: Equatable {
        /// Wait until the socket takes more of `send`.
        case write
        /// Wait for more of the answer.
        case read
        /// The probe is over: its class and what to say of it.
        case end(ProbeClass, String)
    }

    /// What ends the exchange well.
    private enum Goal {
        /// An answer whose first bytes match the pattern; nil: any answer.
        case pattern(BodyPattern?)
        /// A whole DNS answer to the query with `id`, after its two-byte length.
        case dns(DNSQuery, id: UInt16)
    }

    private let easy: UnsafeMutableRawPointer
    private let send: [UInt8]
    private let goal: Goal
    private var sent = 0
    private(set) var answer: [UInt8] = []

    init(easy: UnsafeMutableRawPointer, check: NetworkCheck) {
        self.easy = easy
        guard case .dns(let query) = check.datagram, query.overTCP,
            let message = DNSMessage.query(id: UInt16.random(in: 0...UInt16.max), query)
        else {
            send = check.send
            goal = .pattern(check.expectedBody)
            return
        }
        send = [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
        goal = .dns(query, id: UInt16(message[0]) << 8 | UInt16(message[1]))
    }

    /// Sends what is left to send and reads what has come, as far as the socket allows now.
    mutating func advance() -> Step {
        while sent < send.count {
            var count = 0
            let code = send.withUnsafeBytes { curl_easy_send(easy, $0.baseAddress! + sent, $0.count - sent, &count) }
            switch code {
            case CURLE_OK: sent += count
            case CURLE_AGAIN: return .write
            default: return failed(code)
            }
        }
        var buffer = [UInt8](repeating: 0, count: Self.answerLimit - answer.count)
        while true {
            var count = 0
            let code = buffer.withUnsafeMutableBytes { curl_easy_recv(easy, $0.baseAddress, $0.count, &count) }
            switch code {
            case CURLE_OK where count == 0:
                return closed
            case CURLE_OK:
                answer += buffer.prefix(count)
                if let end = judged { return end }
                buffer.removeLast(count)
            case CURLE_AGAIN: return .read
            default: return failed(code)
            }
        }
    }

    /// The end the answer so far makes, if it makes one.
    private var judged: Step? {
        switch goal {
        case .pattern(let expect):
            if expect?.matches(answer) ?? true { return .end(.ok, "") }
            return answer.count < Self.answerLimit ? nil : .end(.bodyMismatch, mismatch(expect))
        case .dns(let query, let id):
            guard answer.count >= 2 else { return nil }
            let length = Int(answer[0]) << 8 | Int(answer[1])
            guard length + 2 <= Self.answerLimit else {
                return .end(.protocolError, "a DNS answer of \(length) bytes, past \(Self.answerLimit - 2)")
            }
            guard answer.count >= length + 2 else { return nil }
            let (probeClass, detail) = DNSMessage.judge(Array(answer[2..<length + 2]), id: id, query)
            return .end(probeClass, detail)
        }
    }

    /// How the server closing the connection ends the probe.
    private var closed: Step {
        guard !answer.isEmpty else { return .end(.protocolError, "the server closed the connection without answering") }
        switch goal {
        case .pattern(let expect): return .end(.bodyMismatch, "the server closed the connection; \(mismatch(expect))")
        case .dns: return .end(.protocolError, "the server closed the connection inside a DNS answer")
        }
    }

    /// How the deadline ends the probe: an answer that came but does not match is the server answering wrongly
    /// (a line protocol keeps the connection open after it); silence, or a server that never took what was sent,
    /// is a timeout.
    var timedOut: Step {
        if sent < send.count { return .end(.timeout, "sent \(sent) of \(send.count) bytes before the deadline") }
        guard !answer.isEmpty else { return .end(.timeout, "no answer before the deadline") }
        switch goal {
        case .pattern(let expect): return .end(.bodyMismatch, mismatch(expect))
        case .dns: return .end(.timeout, "\(answer.count) bytes of a DNS answer before the deadline")
        }
    }

    private func mismatch(_ expect: BodyPattern?) -> String {
        "the answer does not match \"\(expect?.pattern ?? "")\": \(excerpt)"
    }

    private var excerpt: String { ProbeText.excerpt(answer) }

    private func failed(_ code: CURLcode) -> Step {
        var osErrno = 0
        _ = drcheck_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        if osErrno == ECONNRESET || osErrno == EPIPE { return .end(.reset, "connection reset by the server") }
        return .end(.protocolError, String(cString: curl_easy_strerror(code)))
    }
}
