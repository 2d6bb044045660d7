import CCurl
import Glibc

/// A tcp check's exchange with its server on the connection libcurl made for it (CONNECT_ONLY): the check's `send`
/// written with curl_easy_send, then the answer read with curl_easy_recv until it matches the expected pattern (a
/// banner or a reply: SMTP's `220`, Redis's `+PONG`). The engine watches the socket and keeps the deadline; this
/// decides what each readiness means.
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

    private let easy: UnsafeMutableRawPointer
    private let send: [UInt8]
    private let expect: BodyPattern?
    private var sent = 0
    private(set) var answer: [UInt8] = []

    init(easy: UnsafeMutableRawPointer, send: [UInt8], expect: BodyPattern?) {
        self.easy = easy
        self.send = send
        self.expect = expect
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
                return answer.isEmpty
                    ? .end(.protocolError, "the server closed the connection without answering")
                    : .end(.bodyMismatch, "the server closed the connection; \(mismatch)")
            case CURLE_OK:
                answer += buffer.prefix(count)
                if expect?.matches(answer) ?? true { return .end(.ok, "") }
                guard answer.count < Self.answerLimit else { return .end(.bodyMismatch, mismatch) }
                buffer.removeLast(count)
            case CURLE_AGAIN: return .read
            default: return failed(code)
            }
        }
    }

    /// How the deadline ends the probe: an answer that came but does not match is the server answering wrongly
    /// (a line protocol keeps the connection open after it); silence, or a server that never took what was sent,
    /// is a timeout.
    var timedOut: Step {
        if sent < send.count { return .end(.timeout, "sent \(sent) of \(send.count) bytes before the deadline") }
        guard !answer.isEmpty else { return .end(.timeout, "no answer before the deadline") }
        return .end(.bodyMismatch, mismatch)
    }

    private var mismatch: String { "the answer does not match \"\(expect?.pattern ?? "")\": \(excerpt)" }

    private var excerpt: String { ProbeText.excerpt(answer) }

    private func failed(_ code: CURLcode) -> Step {
        var osErrno = 0
        _ = drcheck_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        if osErrno == ECONNRESET || osErrno == EPIPE { return .end(.reset, "connection reset by the server") }
        return .end(.protocolError, String(cString: curl_easy_strerror(code)))
    }
}
