import CCurl
import EventLoop
import Glibc
import Primitives

/// A libcurl easy handle kept for probe after probe (libcurl keeps a handle's options between transfers), and what
/// the probe under way has received. The options every probe shares are set once; a probe sets only those in which
/// its check differs from the handle's last. libcurl's callbacks reach it through Unmanaged pointers; the engine
/// keeps it alive while a transfer runs and in its pool between transfers.
final class Transfer {
    private(set) var id = ProbeID(raw: 0)
    /// The check of the probe under way (or the last one), never an optional: an optional of it costs a run-time
    /// type lookup wherever it is unwrapped, several times a probe.
    private(set) var check: NetworkCheck
    /// Whether the handle's options are those of `check`.
    private var matched = false
    private(set) var completion: (ProbeResult) -> Void = { _ in }
    let easy: UnsafeMutableRawPointer
    /// Kept with its capacity: a body pattern's prefix is read into the same memory probe after probe.
    private var body: [UInt8] = []
    private var headBytes = 0
    /// The value of the header the check's `weight_header` names, in the last head received.
    private var feedback: String?
    /// Set when a callback ended the transfer on purpose (libcurl then reports CURLE_WRITE_ERROR).
    private var stop: Stop?
    private var markErrno: Int32 = 0
    /// The socket libcurl asked for and could not have, and why.
    private var socketFailure: (errno: Int32, family: Int32, type: Int32)?
    /// libcurl reached the server: connected (and, for https, the handshake done), about to send the request.
    private var connected = false
    /// The one https server whose TLS sessions this handle keeps and resumes (`NetworkCheck.tlsSessionKey`), and when
    /// it was made (its first probe's full handshake); nil: a pooled handle, which keeps none.
    let sessionKey: String?
    let madeAt: Monotonic
    /// A gRPC answer's status and message, from its headers or trailers.
    private var grpcStatus: Int?
    private var grpcMessage: String?
    /// The gRPC request's headers, made at the handle's first gRPC probe.
    private var grpcHeaders: UnsafeMutablePointer<curl_slist>?
    /// The check's own request headers, while its request has them.
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private var connectTo: UnsafeMutablePointer<curl_slist>?

    /// `engine` closes the transfer's sockets (it outlives every transfer it runs); `check`: the first it runs;
    /// `sessionKey`: the server whose sessions it keeps, if any.
    init(engine: ProbeEngine, check: NetworkCheck, sessionKey: String? = nil, at now: Monotonic)
        throws(ProbeSetupError)
    {
        guard let easy = curl_easy_init() else { throw ProbeSetupError(description: "curl_easy_init failed") }
        self.easy = easy
        self.check = check
        self.sessionKey = sessionKey
        madeAt = now
        errorBuffer.initialize(to: 0)
        do {
            try configure(engine: Unmanaged.passUnretained(engine).toOpaque())
        } catch {
            curl_easy_cleanup(easy)
            errorBuffer.deallocate()
            throw error
        }
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(connectTo)
        curl_slist_free_all(grpcHeaders)
        curl_slist_free_all(headers)
        errorBuffer.deallocate()
    }

    /// Readies the handle for probe `id` of `check`: what differs from its last check, and this probe's state.
    func prepare(id: ProbeID, check: NetworkCheck, completion: @escaping (ProbeResult) -> Void)
        throws(ProbeSetupError)
    {
        let last = self.check
        let fresh = !matched
        // A failure below leaves a handle whose options match no check: the next probe sets them all.
        matched = false
        if fresh || check.url != last.url { try set(CURLOPT_URL, string: check.url) }
        if fresh || check.connectTo != last.connectTo {
            curl_slist_free_all(connectTo)
            connectTo = check.connectTo.map { curl_slist_append(nil, $0) }
            try set(CURLOPT_CONNECT_TO, pointer: connectTo)
        }
        if fresh || check.scheme != last.scheme {
            try set(CURLOPT_CONNECT_ONLY, check.scheme == .tcp ? 1 : 0)
        }
        if fresh || check.grpcService != last.grpcService || check.scheme != last.scheme || check.method != last.method
            || check.headers != last.headers || check.requestBody != last.requestBody
        {
            try setRequest(check)
        }
        if fresh || check.converses != last.converses {
            // Every probe closes its connection when it ends, except one that talks to its server after libcurl has
            // connected it (CONNECT_ONLY): libcurl keeps that connection for curl_easy_send and curl_easy_recv until
            // the handle leaves the multi handle, which closes it.
            try set(CURLOPT_FORBID_REUSE, check.converses ? 0 : 1)
        }
        if fresh || check.timeout != last.timeout {
            try set(CURLOPT_TIMEOUT_MS, Int(clamping: check.timeout.nanosecondsClamped / 1_000_000))
        }
        if fresh || check.tlsVerify != last.tlsVerify || check.tlsCAFile != last.tlsCAFile {
            try setTLS(check)
        }
        if fresh || check.interface != last.interface {
            if let interface = check.interface {
                try set(CURLOPT_INTERFACE, string: interface)
            } else {
                try set(CURLOPT_INTERFACE, pointer: nil)
            }
        }
        self.check = check
        matched = true
        self.id = id
        self.completion = completion
        body.removeAll(keepingCapacity: true)
        headBytes = 0
        stop = nil
        markErrno = 0
        socketFailure = nil
        connected = false
        errorBuffer.pointee = 0
        grpcStatus = nil
        feedback = nil
        grpcMessage = nil
    }

    /// A gRPC health check is a POST of its request over HTTP/2 (prior knowledge in cleartext, ALPN over TLS); any
    /// other probe a GET, in the HTTP version libcurl picks. A plain HTTP request goes out in one write, which Nagle
    /// never holds back; TLS and HTTP/2 write several times and keep none back (40 ms a probe otherwise).
    private func setRequest(_ check: NetworkCheck) throws(ProbeSetupError) {
        try set(CURLOPT_TCP_NODELAY, check.scheme == .http && check.grpcService == nil ? 0 : 1)
        guard let service = check.grpcService else {
            // HTTPGET puts back GET and a body to read; HEAD asks for none, OPTIONS is named as it is.
            try set(CURLOPT_HTTPGET, 1)
            try set(CURLOPT_CUSTOMREQUEST, pointer: nil)
            if check.method == .head { try set(CURLOPT_NOBODY, 1) }
            if check.method == .options { try set(CURLOPT_CUSTOMREQUEST, string: "OPTIONS") }
            try set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_NONE))
            if let body = check.requestBody { try post(body) }
            curl_slist_free_all(headers)
            headers = check.headers.reduce(nil) { curl_slist_append($0, $1) }
            return try set(CURLOPT_HTTPHEADER, pointer: headers)
        }
        try set(CURLOPT_CUSTOMREQUEST, pointer: nil)
        let version = check.scheme == .https ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
        try set(CURLOPT_HTTP_VERSION, Int(version))
        try post(GRPCHealth.request(service: service))
        if grpcHeaders == nil {
            grpcHeaders = curl_slist_append(curl_slist_append(nil, "Content-Type: application/grpc"), "TE: trailers")
        }
        try set(CURLOPT_HTTPHEADER, pointer: grpcHeaders)
    }

    /// Makes the request a POST of `body`; libcurl keeps its own copy, so `body` need not outlive this call.
    private func post(_ body: [UInt8]) throws(ProbeSetupError) {
        try set(CURLOPT_POSTFIELDSIZE, body.count)
        let copied = body.withUnsafeBytes { drcheck_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        try require(CURLOPT_COPYPOSTFIELDS, copied)
    }

    /// Lets go of the probe's completion (and what it holds) once the probe has ended.
    func release() {
        completion = { _ in }
    }

    private func setTLS(_ check: NetworkCheck) throws(ProbeSetupError) {
        try set(CURLOPT_SSL_VERIFYPEER, check.tlsVerify ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, check.tlsVerify ? 2 : 0)
        if check.tlsVerify, let caFile = check.tlsCAFile {
            // Only the file's CAs vouch: no CAPATH (Debian's libcurl adds /etc/ssl/certs by default). The file is
            // read at every probe: libcurl's CA cache knows it by path alone and would miss a replaced file for 24 h.
            try set(CURLOPT_CAINFO, string: caFile)
            try set(CURLOPT_CAPATH, pointer: nil)
            try set(CURLOPT_CA_CACHE_TIMEOUT, 0)
        } else {
            // libcurl's built-in defaults again (a null CAINFO or CAPATH restores them).
            try set(CURLOPT_CAINFO, pointer: nil)
            try set(CURLOPT_CAPATH, pointer: nil)
            try set(CURLOPT_CA_CACHE_TIMEOUT, 86_400)
        }
    }

    /// The options every probe shares.
    private func configure(engine: UnsafeMutableRawPointer) throws(ProbeSetupError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_PRIVATE, pointer: context)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_PATH_AS_IS, 1)
        // Real servers can leave probes out of their logs and rate limits by it; a check's own header wins.
        try set(CURLOPT_USERAGENT, string: "drcheck/\(DrcheckVersion.current)")
        try set(CURLOPT_NOSIGNAL, 1)
        // A health answer fits in a few kilobytes; libcurl's default 16 KB receive buffer per probe in flight is most
        // of a probe's memory (hundreds run at once on a large director).
        try set(CURLOPT_BUFFERSIZE, 4096)
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // A probe goes straight to the server it judges: an empty proxy makes libcurl ignore http_proxy and its
        // kin in the environment (an operator's shell or cron often has them).
        try set(CURLOPT_PROXY, string: "")
        try set(CURLOPT_FRESH_CONNECT, 1)
        // libcurl caches each host:port it connects to (drcheck gives only addresses, which need no resolving) and,
        // at the end of every transfer, walks the whole cache for entries past this timeout: at 10,000 servers that
        // walk was two thirds of a probe's CPU (README.md "The probe engine on the host, against HAProxy"). At 0 the
        // cache holds only the probes in flight.
        try set(CURLOPT_DNS_CACHE_TIMEOUT, 0)
        // A pooled handle serves probe after probe of any server, and keeps no TLS session: a probe of a server that
        // the handle met before would resume it, unverified against the CA file of now. Only a handle kept for one
        // server resumes its sessions, for as long as its check's tls_resume allows.
        try set(CURLOPT_SSL_SESSIONID_CACHE, sessionKey == nil ? 0 : 1)
        try set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
        try set(CURLOPT_HEADERFUNCTION, data: CURLOPT_HEADERDATA) { data, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                .receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        try set(CURLOPT_WRITEFUNCTION, data: CURLOPT_WRITEDATA) { data, size, count, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                .receive(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        // drcheck opens the socket itself: a failure to open one (out of descriptors or memory) is the director's,
        // and is told apart here; and the DR path's SO_MARK goes on before curl binds and connects.
        try set(CURLOPT_OPENSOCKETDATA, pointer: context)
        try require(
            CURLOPT_OPENSOCKETFUNCTION,
            drcheck_easy_setopt_opensocket(easy) { context, _, address in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().openSocket(address!.pointee)
            })
        // Whether the server took the connection, without the clock: what a result says of the server's protocol.
        try set(CURLOPT_PREREQDATA, pointer: context)
        try require(
            CURLOPT_PREREQFUNCTION,
            drcheck_easy_setopt_prereq(easy) { context, _, _, _, _ in
                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().connected = true
                return CURL_PREREQFUNC_OK
            })
        // The engine closes them, to know that a socket curl stops waiting on is closed at once.
        try set(CURLOPT_CLOSESOCKETDATA, pointer: engine)
        try require(
            CURLOPT_CLOSESOCKETFUNCTION,
            drcheck_easy_setopt_closesocket(easy) { context, fd in
                Unmanaged<ProbeEngine>.fromOpaque(context!).takeUnretainedValue().closeSocket(fd)
            })
    }

    /// Why a callback ended the transfer.
    private enum Stop {
        /// The answer is complete as far as the check reads it: the status and the body prefix it needs.
        case answered
        /// The head grew past `ProbeEngine.headerLimit`.
        case headTooLong
        /// A kept body grew past `NetworkCheck.bodyKept`.
        case bodyTooLong
    }

    /// Counts one line of the head (libcurl passes them whole); at the blank line that ends the final head, stops
    /// unless the body is needed, so a server's large body is never read.
    private func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        headBytes += line.count
        guard headBytes <= ProbeEngine.headerLimit else {
            stop = .headTooLong
            return 0
        }
        guard line.allSatisfy({ $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else {
            if check.grpcService != nil { noteGRPC(line) }
            if let name = check.weightHeader { noteFeedback(line, name: name) }
            return line.count
        }
        // A gRPC answer's status comes in its trailers, after the body.
        guard check.grpcService == nil else { return line.count }
        var status = 0
        _ = drcheck_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        // An interim 1xx head comes before the real one.
        let bodyNeeded = check.expectedBody != nil || check.bodyKept != nil
        guard status >= 200, !bodyNeeded || !check.expectedStatus.contains(status) else {
            return line.count
        }
        stop = .answered
        return 0
    }

    /// Keeps a gRPC answer's `grpc-status` and `grpc-message` (headers of a trailers-only answer, or trailers).
    private func noteGRPC(_ line: UnsafeRawBufferPointer) {
        guard let (name, value) = Self.field(line) else { return }
        switch name {
        case "grpc-status": grpcStatus = Int(value)
        case "grpc-message": grpcMessage = String(value.prefix(200))
        default: break
        }
    }

    /// A head line's `Name: value`: the name lowercased, the value from its first character to the end of the line.
    private static func field(_ line: UnsafeRawBufferPointer) -> (name: String, value: Substring)? {
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let value = text[text.index(after: colon)...].trimmingPrefix(while: \.isWhitespace).prefix { !$0.isNewline }
        return (text[..<colon].lowercased(), Substring(value))
    }

    /// Keeps the value of the header `name` (in any case) of the final head: a status line starts a head afresh (an
    /// interim 1xx one comes first). At most 64 characters of it: a server's word, not a document.
    private func noteFeedback(_ line: UnsafeRawBufferPointer, name: String) {
        if line.starts(with: "HTTP/".utf8) {
            feedback = nil
            return
        }
        guard let (field, value) = Self.field(line), field == name.lowercased() else { return }
        feedback = String(value.reversed().drop(while: \.isWhitespace).reversed().prefix(64))
    }

    /// Keeps at most `ProbeEngine.bodyLimit` bytes for the body pattern; past that the transfer stops as answered.
    private func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        let room = (check.bodyKept ?? ProbeEngine.bodyLimit) - body.count
        body.append(contentsOf: bytes.prefix(room))
        guard bytes.count <= room else {
            stop = check.bodyKept == nil ? .answered : .bodyTooLong
            return 0
        }
        return bytes.count
    }

    private func openSocket(_ address: curl_sockaddr) -> curl_socket_t {
        // Through CCurl's widened call: a seccomp filter (the packaged unit's) sees every argument as the kernel does.
        let fd = drcheck_socket(address.family, address.socktype, address.protocol)
        guard fd >= 0 else {
            socketFailure = (errno, address.family, address.socktype)
            return CURL_SOCKET_BAD
        }
        // Closed with a reset, as HAProxy closes its checks: a probe leaves no TIME_WAIT on the director. In dr mode
        // every probe goes from one address to one VIP and port, and a TIME_WAIT per probe would use up the local
        // ports within a minute at a few thousand probes a second (OPERATIONS.md "What a probe leaves behind").
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        guard var mark = check.mark else { return fd }
        guard setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            markErrno = errno
            close(fd)
            return CURL_SOCKET_BAD
        }
        return fd
    }

    func result(_ code: CURLcode) -> ProbeResult {
        var result = judge(code)
        result.answer = answer(code, result: result)
        result.feedback = feedback
        if check.bodyKept != nil, result.isOK { result.body = body }
        return result
    }

    private func judge(_ code: CURLcode) -> ProbeResult {
        var micros: curl_off_t = 0
        var status = 0
        var osErrno = 0
        _ = drcheck_easy_getinfo_off(easy, CURLINFO_TOTAL_TIME_T, &micros)
        _ = drcheck_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        _ = drcheck_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        let duration = Duration.microseconds(micros)
        let received = status > 0 ? status : nil
        if code == CURLE_OK, check.scheme == .tcp { return ProbeResult(.ok, duration: duration) }
        if code == CURLE_OK, check.grpcService != nil {
            let (probeClass, detail) = GRPCHealth.judge(
                status: status, grpcStatus: grpcStatus, grpcMessage: grpcMessage, body: body)
            return ProbeResult(probeClass, duration: duration, status: received, detail: detail)
        }
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && stop == .answered) {
            guard check.expectedStatus.contains(status) else {
                return ProbeResult(
                    .httpStatus, duration: duration, status: received,
                    detail: "status \(status), expected \(check.expectedStatus)")
            }
            if let pattern = check.expectedBody, !pattern.matches(body) {
                return ProbeResult(
                    .bodyMismatch, duration: duration, status: received,
                    detail: "body does not match \"\(pattern)\"")
            }
            return ProbeResult(.ok, duration: duration, status: received)
        }
        if let problem = oversizedHead(code) {
            return ProbeResult(.protocolError, duration: duration, status: received, detail: problem)
        }
        if let socketFailure {
            return ProbeResult(
                .localError, duration: duration,
                detail:
                    "socket(family \(socketFailure.family), type \(socketFailure.type)): "
                    + String(cString: strerror(socketFailure.errno)))
        }
        if markErrno != 0 {
            return ProbeResult(
                .connectError, duration: duration, status: received,
                detail: "SO_MARK \(check.mark ?? 0): \(String(cString: strerror(markErrno)))")
        }
        let message =
            errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        return ProbeResult(
            CurlFailure.classify(code, osErrno: Int32(osErrno)), duration: duration, status: received, detail: message)
    }

    /// What the transfer saw of the server's protocol. libcurl refuses an answer without an HTTP status line as
    /// HTTP/0.9 (UNSUPPORTED_PROTOCOL) or as a weird reply. Before the request, a failed TLS handshake or a reset
    /// still needed a connection.
    private func answer(_ code: CURLcode, result: ProbeResult) -> ProbeAnswer {
        if result.status != nil { return .http }
        if connected {
            return code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_WEIRD_SERVER_REPLY ? .other : .connected
        }
        return result.probeClass == .tlsError || result.probeClass == .reset ? .connected : .none
    }

    /// A head past drcheck's limit (or a kept body past its own), or one line of it past libcurl's (100 KB; libcurl 7.88 reports that as out of
    /// memory, and only once the answer has begun is it the server's doing).
    private func oversizedHead(_ code: CURLcode) -> String? {
        if code == CURLE_WRITE_ERROR, stop == .headTooLong {
            return "a response head longer than \(ProbeEngine.headerLimit) bytes"
        }
        if code == CURLE_WRITE_ERROR, stop == .bodyTooLong {
            return "a body longer than \(check.bodyKept ?? 0) bytes"
        }
        guard code == CURLE_OUT_OF_MEMORY else { return nil }
        var firstByte: curl_off_t = 0
        _ = drcheck_easy_getinfo_off(easy, CURLINFO_STARTTRANSFER_TIME_T, &firstByte)
        guard firstByte > 0 else { return nil }
        return "a response header line longer than libcurl accepts (100 KB)"
    }

    private func set(_ option: CURLoption, _ value: Int) throws(ProbeSetupError) {
        try require(option, drcheck_easy_setopt_long(easy, option, value))
    }

    private func set(_ option: CURLoption, string: String) throws(ProbeSetupError) {
        try require(option, drcheck_easy_setopt_ptr(easy, option, string))
    }

    /// A callback that receives bytes (head lines or body), called with this transfer.
    private func set(_ function: CURLoption, data: CURLoption, _ callback: curl_write_callback)
        throws(ProbeSetupError)
    {
        try set(data, pointer: Unmanaged.passUnretained(self).toOpaque())
        try require(function, drcheck_easy_setopt_write(easy, function, callback))
    }

    private func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(ProbeSetupError) {
        try require(option, drcheck_easy_setopt_ptr(easy, option, pointer))
    }

    private func require(_ option: CURLoption, _ code: CURLcode) throws(ProbeSetupError) {
        guard code == CURLE_OK else {
            throw ProbeSetupError(
                description: "libcurl option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// libcurl refused to set up a transfer (an option this libcurl lacks, an unusable URL, no memory).
public struct ProbeSetupError: Error, Equatable, CustomStringConvertible {
    public var description: String
}
