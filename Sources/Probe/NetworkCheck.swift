import Primitives

/// One check libcurl makes, an HTTP(S) request or a TCP connect: where to connect, what to ask, what counts as
/// healthy. A plain value; the engine runs it.
public struct NetworkCheck: Sendable, Equatable {
    public struct InvalidError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// What a check holds, in one immutable box that copies share: the daemon keeps each server's check in its
    /// target, its schedule and every probe in flight, and a copy costs a reference instead of the 240 bytes the
    /// fields take (at 10,000 servers the copies were 16 MB of the heap). A setter makes a new box.
    private struct Fields: Equatable, Sendable {
        var scheme: ProbeScheme
        var address: IPAddress
        var port: UInt16
        var host: String?
        var path: String
        var expectedStatus: StatusRanges
        var expectedBody: BodyPattern?
        var timeout: Duration
        var tlsVerify: Bool
        var tlsCAFile: String?
        var mark: UInt32?
        var sourceAddress: IPAddress?
        var tlsResume: Duration
        var send: [UInt8]
        var datagram: DatagramCheck?
        var grpcService: String?
        var method: HTTPMethod
        /// Extra request headers, "Name: value" each.
        var headers: [String]
        /// The response header whose value a passing probe reports (`weight_header`), as given; nil: none.
        var weightHeader: String?
        /// Keep the whole body of an answer with an expected status, up to this many bytes, in the result (a
        /// document fetched, not a probe); nil: the body is read only for `expectedBody`.
        var bodyKept: Int?
        /// A POST of these bytes instead of the method's request.
        var requestBody: [UInt8]?
        var url = ""
        var connectTo: String?
        var interface: String?

        /// Spells out what libcurl is given from where the check connects (see `url`).
        mutating func spell() {
            let address = address.description
            let path = grpcService == nil ? path : GRPCHealth.path
            url = "\(scheme == .tcp ? "http" : scheme.rawValue)://\(bracketed(host ?? address)):\(port)\(path)"
            connectTo = host.flatMap { host in
                host == address ? nil : "\(bracketed(host)):\(port):\(bracketed(address)):\(port)"
            }
            interface = sourceAddress.map { "host!\($0)" }
        }

        private func bracketed(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    public var scheme: ProbeScheme {
        get { box.fields.scheme }
        set { change(spelling: true) { $0.scheme = newValue } }
    }
    /// The IP address connected to (RIP for rip mode, VIP for dr mode); never resolved through DNS.
    public var address: IPAddress {
        get { box.fields.address }
        set { change(spelling: true) { $0.address = newValue } }
    }
    public var port: UInt16 {
        get { box.fields.port }
        set { change(spelling: true) { $0.port = newValue } }
    }
    /// Host header and TLS server name; the address when nil.
    public var host: String? {
        get { box.fields.host }
        set { change(spelling: true) { $0.host = newValue } }
    }
    public var path: String {
        get { box.fields.path }
        set { change(spelling: true) { $0.path = newValue } }
    }
    public var expectedStatus: StatusRanges {
        get { box.fields.expectedStatus }
        set { change { $0.expectedStatus = newValue } }
    }
    public var expectedBody: BodyPattern? {
        get { box.fields.expectedBody }
        set { change { $0.expectedBody = newValue } }
    }
    /// One deadline for the whole probe: connect, request and response.
    public var timeout: Duration {
        get { box.fields.timeout }
        set { change { $0.timeout = newValue } }
    }
    public var tlsVerify: Bool {
        get { box.fields.tlsVerify }
        set { change { $0.tlsVerify = newValue } }
    }
    /// PEM file of the CAs that vouch for the server's certificate (CURLOPT_CAINFO); nil: the system's bundle.
    public var tlsCAFile: String? {
        get { box.fields.tlsCAFile }
        set { change { $0.tlsCAFile = newValue } }
    }
    /// DR mode: SO_MARK on the probe socket, selecting the real server's fwmark probe service.
    public var mark: UInt32? {
        get { box.fields.mark }
        set { change { $0.mark = newValue } }
    }
    /// DR mode: the local address the probe is sent from (the director's address toward the real servers).
    public var sourceAddress: IPAddress? {
        get { box.fields.sourceAddress }
        set { change(spelling: true) { $0.sourceAddress = newValue } }
    }
    /// https: how long the server's TLS session is resumed by its next probes before a full handshake (which checks
    /// the certificate again); zero: every probe makes a full handshake.
    public var tlsResume: Duration {
        get { box.fields.tlsResume }
        set { change { $0.tlsResume = newValue } }
    }
    /// tcp: bytes written once connected; with them or with `expectedBody` (then the pattern the answer must match,
    /// searched in its first `Conversation.answerLimit` bytes) the check talks to the server (`Conversation`).
    public var send: [UInt8] {
        get { box.fields.send }
        set { change { $0.send = newValue } }
    }
    /// A gRPC health check (grpc.health.v1.Health/Check) of this service name (empty: the server as a whole) over
    /// HTTP/2: cleartext with prior knowledge (http), or TLS with ALPN (https); nil: not gRPC.
    public var method: HTTPMethod {
        get { box.fields.method }
        set { change { $0.method = newValue } }
    }
    /// Extra request headers, "Name: value" each.
    public var headers: [String] {
        get { box.fields.headers }
        set { change { $0.headers = newValue } }
    }
    /// The response header whose value a passing probe reports (`weight_header`), as given; nil: none.
    public var weightHeader: String? {
        get { box.fields.weightHeader }
        set { change { $0.weightHeader = newValue } }
    }
    /// Keep the whole body of an answer with an expected status, up to this many bytes, in the result's `body` (a
    /// document fetched, as a peer's verdicts); nil: the body is read only for `expectedBody`.
    public var bodyKept: Int? {
        get { box.fields.bodyKept }
        set { change { $0.bodyKept = newValue } }
    }
    /// A POST of these bytes instead of the method's request (a document sent, as to etcd's JSON gateway); nil: none.
    public var requestBody: [UInt8]? {
        get { box.fields.requestBody }
        set { change { $0.requestBody = newValue } }
    }
    public var grpcService: String? {
        get { box.fields.grpcService }
        set { change(spelling: true) { $0.grpcService = newValue } }
    }
    /// A UDP check (a payload, a DNS query) run on the loop instead of a libcurl transfer, to `address` and `port`.
    public var datagram: DatagramCheck? {
        get { box.fields.datagram }
        set { change { $0.datagram = newValue } }
    }

    public init(
        scheme: ProbeScheme = .http, address: IPAddress, port: UInt16, host: String? = nil, path: String = "/",
        expectedStatus: StatusRanges = StatusRanges([200...399]), expectedBody: BodyPattern? = nil,
        timeout: Duration = .seconds(1), tlsVerify: Bool = true, tlsCAFile: String? = nil, mark: UInt32? = nil,
        sourceAddress: IPAddress? = nil, tlsResume: Duration = .zero, send: [UInt8] = [],
        datagram: DatagramCheck? = nil, grpcService: String? = nil, method: HTTPMethod = .get, headers: [String] = [],
        weightHeader: String? = nil
    ) throws(InvalidError) {
        var fields = Fields(
            scheme: scheme, address: address, port: port, host: host, path: path, expectedStatus: expectedStatus,
            expectedBody: expectedBody, timeout: timeout, tlsVerify: tlsVerify, tlsCAFile: tlsCAFile, mark: mark,
            sourceAddress: sourceAddress, tlsResume: tlsResume, send: send, datagram: datagram,
            grpcService: grpcService, method: method, headers: headers, weightHeader: weightHeader)
        fields.spell()
        box = Box(fields)
        try validate()
    }

    private mutating func change(spelling: Bool = false, _ edit: (inout Fields) -> Void) {
        var fields = box.fields
        edit(&fields)
        if spelling { fields.spell() }
        box = Box(fields)
    }

    public static func == (lhs: NetworkCheck, rhs: NetworkCheck) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
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
        guard send.isEmpty || scheme == .tcp else { throw InvalidError(description: "send applies only to tcp") }
        if case .dns(let query) = datagram, DNSMessage.encoded(query.name) == nil {
            throw InvalidError(description: "query name \"\(query.name)\" is not a DNS name")
        }
        guard grpcService == nil || scheme != .tcp else { throw InvalidError(description: "gRPC needs http or https") }
        guard method == .get && headers.isEmpty && weightHeader == nil || scheme != .tcp && grpcService == nil else {
            throw InvalidError(description: "method, headers and weight_header apply only to http")
        }
        guard requestBody == nil || method == .get && scheme != .tcp && grpcService == nil else {
            throw InvalidError(description: "a request body applies only to an http GET, which it makes a POST")
        }
        guard method != .head || expectedBody == nil else {
            throw InvalidError(description: "a HEAD request gets no body for expect_body to match")
        }
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex,
                header[..<colon].utf8.allSatisfy(Self.isTokenByte),
                isHeaderText(header)
            else { throw InvalidError(description: "header \"\(header)\" is not NAME: VALUE on one line") }
        }
        guard datagram?.overTCP != true || scheme == .tcp else {
            throw InvalidError(description: "a DNS query over TCP needs the tcp scheme")
        }
    }

    /// A tcp check that sends or expects something: it goes on once libcurl has connected.
    var converses: Bool { scheme == .tcp && (!send.isEmpty || expectedBody != nil || datagram?.overTCP == true) }

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
    var url: String { box.fields.url }
    var connectTo: String? { box.fields.connectTo }
    /// CURLOPT_INTERFACE for `sourceAddress`: bind to that address, never to an interface of the same name.
    var interface: String? { box.fields.interface }

    /// A byte of an HTTP token (a header name, RFC 9110): letters, digits and !#$%&'*+-.^_`|~.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

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
