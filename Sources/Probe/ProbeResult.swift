/// What a probe found, in the words of the metrics' `class` label (OPERATIONS.md "Metrics and the scrape config").
public enum ProbeClass: String, Sendable, CaseIterable {
    case ok
    /// The whole-probe deadline passed (connect, request and response together).
    case timeout
    /// The server's host answered the SYN with a reset: nothing listens on the port.
    case connectRefused = "connect_refused"
    /// Any other failure to reach the server: unreachable, bind or SO_MARK failure.
    case connectError = "connect_error"
    /// The connection was reset (RST) after it was established.
    case reset
    /// The server answered something that is not HTTP, or closed the connection without a response.
    case protocolError = "protocol_error"
    /// A complete HTTP response with a status outside the expected ranges.
    case httpStatus = "http_status"
    /// An expected status, but the body prefix does not match the check's regular expression.
    case bodyMismatch = "body_mismatch"
    case tlsError = "tls_error"
    /// The director could not make the probe: out of descriptors, memory, buffers or local ports, or its own source
    /// address gone. Never the server's failure: the daemon counts it against no server.
    case localError = "local_error"
    /// Reserved for the daemon: a DR-path probe failed while the same server's RIP probe passed.
    case drPath = "dr_path"
    /// An exec check's command exited with a failing status (or was killed by a signal).
    case execFailed = "exec_failed"
    /// An exec check's command was still running at the timeout; its process group was killed.
    case execTimeout = "exec_timeout"
}

/// What a network probe saw of the protocol the server speaks: the evidence by which discovery tells a service that
/// speaks HTTP from one that speaks something else (OPERATIONS.md "What discovery checks").
public enum ProbeAnswer: Sendable, Equatable {
    /// No connection was made (refused, unreachable, timed out connecting), or not a network probe.
    case none
    /// Connected, and nothing showed the protocol: a connect check, an empty reply, a reset, a TLS failure, a timeout
    /// before any answer.
    case connected
    /// An HTTP status line came back.
    case http
    /// Bytes came back that are not HTTP (an SMTP banner, a database's greeting, an error line of another protocol).
    case other
}

public struct ProbeResult: Sendable, Equatable, CustomStringConvertible {
    public var probeClass: ProbeClass
    /// From the start of the transfer to its end, as libcurl measured it.
    public var duration: Duration
    /// The HTTP status, when a status line was received.
    public var status: Int?
    /// A short human explanation; empty when the probe is ok.
    public var detail: String
    /// The weight the server reported for itself (a dynamic exec check's exit status - 2).
    public var weight: Int?
    /// exec_timeout: how long the command's processes waited for a CPU. A director short of CPU, rather than the
    /// server, may be why the command did not finish.
    public var cpuWait: Duration?
    /// What the probe saw of the server's protocol.
    public var answer: ProbeAnswer
    /// The value of the response header the check's `weight_header` names, when the answer had it.
    public var feedback: String?
    /// The answer's body, when the check keeps it (`NetworkCheck.bodyKept`).
    public var body: [UInt8]?

    public init(
        _ probeClass: ProbeClass, duration: Duration, status: Int? = nil, detail: String = "", weight: Int? = nil,
        answer: ProbeAnswer = .none
    ) {
        self.probeClass = probeClass
        self.duration = duration
        self.status = status
        self.detail = detail
        self.weight = weight
        self.answer = answer
    }

    public var isOK: Bool { probeClass == .ok }

    public var description: String {
        "\(probeClass.rawValue) \(status.map(String.init) ?? "-") \(duration.formatted3)"
            + (weight.map { " weight \($0)" } ?? "") + (detail.isEmpty ? "" : " (\(detail))")
    }
}

extension Duration {
    /// Seconds with millisecond precision, e.g. "1.001s".
    public var formatted3: String {
        let ms = (nanosecondsClamped + 500_000) / 1_000_000
        let fraction = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)s"
    }
}
