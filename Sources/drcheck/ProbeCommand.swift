import Agent
import ArgumentParser
import Daemon
import EventLoop
import FoundationEssentials
import IPVS
import Primitives
import Probe

/// `drcheck probe URL`: one probe made exactly as the daemon makes it, printed as `class status duration`.
/// The hidden `--bench FILE` runs the scheduler over every URL in FILE instead (Checks/bench/probe-bench.sh).
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe one URL the way drcheck does and print: class status duration.",
        discussion: """
            Classes: ok, timeout, connect_refused, connect_error, reset, protocol_error, http_status, body_mismatch, \
            tls_error, local_error. The status is "-" without a status line; the duration is in seconds. Names are \
            never resolved: a URL with a host name needs --connect-to. Redirects are not followed. tcp://HOST:PORT \
            makes a tcp check's connect and nothing more; with --send and --expect it talks to the server as a tcp \
            check with send and expect does (the answer's first 4 KiB searched). udp://HOST:PORT sends --send's \
            text and judges the reply (--expect; --no-reply-needed passes unless nothing listens); \
            dns://HOST[:PORT] asks --query-name (default .) for --query-type (default SOA). A response head \
            longer than 64 KiB is a protocol_error; without --expect-body the probe ends after the head, its body \
            unread.
            Exit status: 0 ok, 1 any other class, 2 usage error.
            DR path: --mark M --source DIP http://VIP:PORT/ sends the probe through the fwmark probe service M; \
            with --dr-server RIP drcheck creates that service (one destination, RIP, route, weight 1) through \
            IPVS for the probe and removes it after (exit 3 when IPVS is unreachable).
            """
    )

    @Argument(help: ArgumentHelp("http://HOST[:PORT][/PATH], https://… or tcp://HOST:PORT", valueName: "url"))
    var url: String?

    @Option(
        name: .customLong("connect-to"),
        help: ArgumentHelp("Connect to this IP; the URL's host stays the Host header and TLS name.", valueName: "addr"))
    var connectTo: String?

    @Option(help: ArgumentHelp("Host header and TLS server name (default: the URL's host).", valueName: "name"))
    var host: String?

    @Option(name: .customLong("expect-status"), help: ArgumentHelp("Healthy statuses.", valueName: "list"))
    var expectStatus = "200-399"

    @Option(
        name: .customLong("expect-body"),
        help: ArgumentHelp("Regular expression searched in the first 64 KiB of the body.", valueName: "regex"))
    var expectBody: String?

    @Option(
        help: ArgumentHelp(
            #"tcp: text to send once connected; \r, \n, \t, \\ and \xHH are unescaped."#, valueName: "text"))
    var send: String?

    @Option(
        help: ArgumentHelp("tcp, udp: regular expression the server's first bytes must match.", valueName: "regex"))
    var expect: String?

    @Flag(name: .customLong("no-reply-needed"), help: "udp: pass without a reply unless nothing listens (ICMP).")
    var noReplyNeeded = false

    @Option(name: .customLong("query-name"), help: ArgumentHelp("dns: the name asked.", valueName: "name"))
    var queryName = "."

    @Option(name: .customLong("query-type"), help: ArgumentHelp("dns: A, AAAA, SOA, NS, MX, ...", valueName: "type"))
    var queryType = "SOA"

    @Option(
        name: .customLong("expect-rcode"),
        help: ArgumentHelp("dns: response codes that pass, comma-separated (default NOERROR).", valueName: "list"))
    var expectRcode = "NOERROR"

    @Flag(help: "http(s): a gRPC health check (grpc.health.v1.Health/Check) over HTTP/2 instead of a GET.")
    var grpc = false

    @Option(
        name: .customLong("grpc-service"),
        help: ArgumentHelp("With --grpc: the service asked about (default: the server as a whole).", valueName: "name"))
    var grpcService: String?

    @Option(name: .customLong("dns-transport"), help: ArgumentHelp("dns: udp or tcp.", valueName: "transport"))
    var dnsTransport = "udp"

    @Option(
        name: .customLong("expect-address"),
        help: ArgumentHelp("dns: the answer must hold one of these addresses, comma-separated.", valueName: "list"))
    var expectAddress: String?

    @Option(help: ArgumentHelp("Deadline for the whole probe, e.g. 500ms, 2s.", valueName: "duration"))
    var timeout = "1s"

    @Flag(help: "Do not verify the TLS certificate.")
    var insecure = false

    @Option(
        name: .customLong("tls-ca-file"),
        help: ArgumentHelp("Verify the certificate with the CAs in this PEM file, not the system's.", valueName: "file")
    )
    var tlsCAFile: String?

    @Option(
        name: .customLong("tls-resume"),
        help: ArgumentHelp(
            "https: resume the server's TLS session for this long before a full handshake (default 0s: never).",
            valueName: "duration"))
    var tlsResume = "0s"

    @Option(help: ArgumentHelp("SO_MARK for the probe socket (needs CAP_NET_ADMIN).", valueName: "mark"))
    var mark: UInt32?

    @Option(help: ArgumentHelp("Local address to send from.", valueName: "addr"))
    var source: String?

    @Option(
        name: .customLong("dr-server"),
        help: ArgumentHelp(
            "With --mark: make fwmark service MARK lead to this real server for the probe.", valueName: "rip"))
    var drServer: String?

    @Option(help: .private)
    var bench: String?

    @Option(name: .customLong("bench-duration"), help: .private)
    var benchDuration = "30s"

    @Option(help: .private)
    var interval = "1s"

    func validate() throws {
        guard (url == nil) != (bench == nil) else { throw ValidationError("give one URL") }
        if tlsCAFile != nil {
            guard !insecure else { throw ValidationError("--tls-ca-file verifies the certificate: drop --insecure") }
            guard url?.lowercased().hasPrefix("https://") != false else {
                throw ValidationError("--tls-ca-file needs an https:// URL")
            }
        }
        let scheme = url.flatMap { text in text.firstRange(of: "://").map { text[..<$0.lowerBound].lowercased() } }
        let talks = scheme == "tcp" || scheme == "udp"
        guard talks || (send == nil && expect == nil) else {
            throw ValidationError("--send and --expect need a tcp:// or udp:// URL")
        }
        guard scheme == "http" || scheme == "https" || expectBody == nil else {
            throw ValidationError("--expect-body needs http:// or https://")
        }
        guard scheme == "udp" || !noReplyNeeded else { throw ValidationError("--no-reply-needed needs a udp:// URL") }
        guard !grpc || scheme == "http" || scheme == "https" else {
            throw ValidationError("--grpc needs an http:// or https:// URL")
        }
        guard grpc || grpcService == nil else { throw ValidationError("--grpc-service needs --grpc") }
        if send?.isEmpty == true { throw ValidationError("--send needs some text") }
        if let drServer {
            guard IPAddress(drServer) != nil else {
                throw ValidationError("--dr-server \"\(drServer)\" is not an IP")
            }
            guard mark != nil, source != nil else { throw ValidationError("--dr-server needs --mark and --source") }
        }
    }

    func run() throws {
        if let bench {
            let urls = try String(contentsOfFile: bench, encoding: .utf8).split(whereSeparator: \.isNewline)
            let benchmark = ProbeBenchmark(
                checks: try urls.map { try check(String($0)) }, interval: try durationOption(interval),
                length: try durationOption(benchDuration))
            try benchmark.run()
            return
        }
        let probeCheck = try check(url!)
        let probeService = try drServer.flatMap { try DRProbeService(mark: mark!, realServer: $0) }
        defer { probeService?.remove() }
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        var outcome: ProbeResult?
        try engine.start(probeCheck) {
            outcome = $0
            loop.stop()
        }
        try loop.run()
        guard let result = outcome else { throw ExitCode(1) }
        print("\(result.probeClass.rawValue) \(result.status.map(String.init) ?? "-") \(result.duration.formatted3)")
        guard result.isOK else {
            if !result.detail.isEmpty { printError("drcheck probe: \(result.detail)") }
            throw ExitCode(1)
        }
    }

    private func check(_ text: String) throws -> NetworkCheck {
        do {
            let url = try ProbeURL(text)
            let addressText = connectTo ?? url.host
            guard let address = IPAddress(addressText) else {
                let names = connectTo == nil ? " (names are never resolved: give --connect-to ADDR)" : ""
                throw ValidationError("address \"\(addressText)\" is not an IP\(names)")
            }
            let sourceAddress = try source.map { text throws(ValidationError) in
                guard let address = IPAddress(text) else {
                    throw ValidationError("source address \"\(text)\" is not an IP")
                }
                return address
            }
            return try NetworkCheck(
                scheme: url.scheme, address: address, port: url.port,
                host: host ?? (url.host == addressText ? nil : url.host), path: url.path,
                expectedStatus: try StatusRanges(parsing: expectStatus),
                expectedBody: try (url.datagram == nil ? expectBody ?? expect : nil).map {
                    (pattern) throws(BodyPattern.SyntaxError) in
                    try BodyPattern(pattern)
                },
                timeout: try durationOption(timeout), tlsVerify: !insecure, tlsCAFile: tlsCAFile, mark: mark,
                sourceAddress: sourceAddress, tlsResume: try durationOption(tlsResume),
                send: url.datagram == nil ? try send.map(Self.unescaped) ?? [] : [], datagram: try datagram(url),
                grpcService: grpc ? grpcService ?? "" : nil)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// udp:// and dns://'s exchange, from the options.
    private func datagram(_ url: ProbeURL) throws -> DatagramCheck? {
        switch url.datagram {
        case nil:
            return nil
        case .udp:
            return .udp(
                payload: try send.map(Self.unescaped) ?? [], expect: try expect.map { try BodyPattern($0) },
                requireReply: !noReplyNeeded)
        case .dns:
            guard let type = DNSRecordType(rawValue: queryType.uppercased()) else {
                throw ValidationError("--query-type \(queryType): not one of \(DNSRecordType.allCases.map(\.rawValue))")
            }
            let rcodes = try expectRcode.split(separator: ",").map { name in
                guard let rcode = DNSRcode(rawValue: name.uppercased()) else {
                    throw ValidationError("--expect-rcode \(name): not one of \(DNSRcode.allCases.map(\.rawValue))")
                }
                return rcode
            }
            let addresses = try (expectAddress?.split(separator: ",") ?? []).map { text in
                guard let address = IPAddress(String(text)) else {
                    throw ValidationError("--expect-address \(text): not an IP address")
                }
                return address
            }
            guard dnsTransport == "udp" || dnsTransport == "tcp" else {
                throw ValidationError("--dns-transport \(dnsTransport): udp or tcp")
            }
            return .dns(
                DNSQuery(
                    name: queryName, type: type, expectRcodes: rcodes, expectAddresses: addresses,
                    overTCP: dnsTransport == "tcp"))
        }
    }

    /// `--send`'s text with `\r`, `\n`, `\t`, `\\` and `\xHH` made into the bytes they name.
    static func unescaped(_ text: String) throws(ValidationError) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = Substring(text).utf8[...]
        while let byte = rest.popFirst() {
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                continue
            }
            switch rest.popFirst() {
            case UInt8(ascii: "r"): bytes.append(0x0d)
            case UInt8(ascii: "n"): bytes.append(0x0a)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                let digits = String(decoding: rest.prefix(2), as: UTF8.self)
                guard digits.utf8.count == 2, let value = UInt8(digits, radix: 16) else {
                    throw ValidationError(#"--send: \x needs two hexadecimal digits"#)
                }
                bytes.append(value)
                rest.removeFirst(2)
            default:
                throw ValidationError(#"--send: unknown escape (use \r, \n, \t, \\ or \xHH)"#)
            }
        }
        return bytes
    }
}

/// The fwmark probe service `drcheck probe --dr-server` makes for one probe and removes after it.
private struct DRProbeService {
    let services: ProbeServices
    let key: ServiceKey
    let mark: UInt32

    init(mark: UInt32, realServer: String) throws {
        do {
            let address = IPAddress(realServer)!
            services = ProbeServices(ipvs: try IPVSClient())
            try services.make(mark: mark, server: address)
            self.mark = mark
            key = ProbeServices.key(mark: mark, server: address)
        } catch {
            printError("drcheck probe: \(error)")
            throw ExitCode(3)
        }
    }

    func remove() {
        do {
            try services.delete(key)
        } catch {
            printError("drcheck probe: removing fwmark service \(mark): \(error)")
        }
    }
}
