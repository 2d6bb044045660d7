import Primitives

/// One check libcurl makes, an HTTP(S) request or a TCP connect: where to connect, what to ask, what counts as
/// healthy. A plain value; the engine runs it.
public struct NetworkCheck: Sendable, Equatable {
    public struct InvalidError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public var scheme: ProbeScheme { didSet { spell() } }
    /// The IP address connected to (RIP for rip mode, VIP for dr mode); never resolved through DNS.
    public var address: IPAddress { didSet { spell() } }
    public var port: UInt16 { didSet { spell() } }
    /// Host header and TLS server name; the address when nil.
    public var host: String? { didSet { spell() } }
    public var path: String { didSet { spell() } }
    public var expectedStatus: StatusRanges
    public var expectedBody: BodyPattern?
    /// One deadline for the whole probe: connect, request and response.
    public var timeout: Duration
    public var tlsVerify: Bool
    /// PEM file of the CAs that vouch for the server's certificate (CURLOPT_CAINFO); nil: the system's bundle.
    public var tlsCAFile: String?
    /// DR mode: SO_MARK on the probe socket, selecting the real server's fwmark probe service.
    public var mark: UInt32?
    /// DR mode: the local address the probe is sent from (the director's address toward the real servers).
    public var sourceAddress: IPAddress? { didSet { spell() } }
    /// https: how long the server's TLS session is resumed by its next probes before a full handshake (which checks
    /// the certificate again); zero: every probe makes a full handshake.
    public var tlsResume: Duration = .zero

    public init(
        scheme: ProbeScheme = .http, address: IPAddress, port: UInt16, host: String? = nil, path: String = "/",
        expectedStatus: StatusRanges = StatusRanges([200...399]), expectedBody: BodyPattern? = nil,
        timeout: Duration = .seconds(1), tlsVerify: Bool = true, tlsCAFile: String? = nil, mark: UInt32? = nil,
        sourceAddress: IPAddress? = nil, tlsResume: Duration = .zero
    ) throws(InvalidError) {
        self.scheme = scheme
        self.address = address
        self.port = port
        self.host = host
        self.path = path
        self.expectedStatus = expectedStatus
        self.expectedBody = expectedBody
        self.timeout = timeout
        self.tlsVerify = tlsVerify
        self.tlsCAFile = tlsCAFile
        self.mark = mark
        self.sourceAddress = sourceAddress
        self.tlsResume = tlsResume
        spell()
        try validate()
    }

    /// Checks what libcurl would otherwise reject at run time (or, worse, interpret).
    public func validate() throws(InvalidError) {
        guard port > 0 else { throw InvalidError(description: "port 0") }
        if let host, host.isEmpty || !host.utf8.allSatisfy(Self.isHostByte) {
            throw InvalidError(description: "host \"\(host)\" is not a host name or address")
        }
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw InvalidError(
                description: "path \"\(path)\" must start with / and hold no spaces or control characters")
        }
        guard timeout > .zero else { throw InvalidError(description: "timeout must be positive") }
        guard tlsResume >= .zero else { throw InvalidError(description: "tls_resume must not be negative") }
        guard !expectedStatus.ranges.isEmpty else { throw InvalidError(description: "no expected status") }
    }

    /// The server whose TLS sessions a handle kept for this check may resume: the URL and where the connection goes
    /// (the connect-to entry, the source address, and the probe mark, which picks the real server behind a VIP).
    /// Nil when the check resumes none.
    var tlsSessionKey: String? {
        guard scheme == .https, tlsResume > .zero else { return nil }
        return "\(url) \(connectTo ?? "-") \(interface ?? "-") \(mark.map(String.init) ?? "-")"
    }

    /// The URL libcurl is given (a TCP check connects as an HTTP transfer that stops once connected), and the
    /// CURLOPT_CONNECT_TO entry that sends the connection to `address` while Host and SNI stay `host`. Spelled out
    /// when the check is made or changed rather than for every probe (formatting them was a tenth of a probe's
    /// instructions in the daemon).
    private(set) var url = ""
    private(set) var connectTo: String?
    /// CURLOPT_INTERFACE for `sourceAddress`: bind to that address, never to an interface of the same name.
    private(set) var interface: String?

    private mutating func spell() {
        let address = address.description
        url = "\(scheme == .tcp ? "http" : scheme.rawValue)://\(Self.bracketed(host ?? address)):\(port)\(path)"
        connectTo = host.flatMap { host in
            host == address ? nil : "\(Self.bracketed(host)):\(port):\(Self.bracketed(address)):\(port)"
        }
        interface = sourceAddress.map { "host!\($0)" }
    }

    private static func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
