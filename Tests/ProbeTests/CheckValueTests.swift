import CCurl
import Glibc
import Primitives
import Testing

@testable import Probe

struct BodyPatternTests {
    @Test func searchesAnywhereInTheBody() throws {
        let pattern = try BodyPattern("st[a-z]+s: ok")
        #expect(pattern.matches(Array("{\"status: ok\"}".utf8)))
        #expect(!pattern.matches(Array("status: down".utf8)))
        #expect(pattern.matches([0xff, 0xfe] + Array("status: ok".utf8)))
        #expect(try BodyPattern("^ok$").matches(Array("first\nok\n".utf8)))
    }

    @Test func invalidPatternIsASyntaxError() {
        #expect(throws: BodyPattern.SyntaxError.self) { try BodyPattern("(unclosed") }
    }
}

struct NetworkCheckTests {
    @Test func urlAndConnectToKeepHostAndAddressApart() throws {
        let check = try NetworkCheck(
            scheme: .https, address: IPAddress("203.0.113.21")!, port: 8443, host: "www.example.com")
        #expect(check.url == "https://www.example.com:8443/")
        #expect(check.connectTo == "www.example.com:8443:203.0.113.21:8443")
        let plain = try NetworkCheck(address: IPAddress("2001:db8::1")!, port: 80, path: "/health?full=1")
        #expect(plain.url == "http://[2001:db8::1]:80/health?full=1")
        #expect(plain.connectTo == nil)
    }

    @Test func aChangedCheckSpellsItsURLAndConnectToAnew() throws {
        var check = try NetworkCheck(
            scheme: .https, address: IPAddress("203.0.113.21")!, port: 8443, host: "www.example.com")
        check.scheme = .tcp
        check.port = 8000
        check.path = "/ready"
        #expect(check.url == "http://www.example.com:8000/ready")
        check.address = IPAddress("203.0.113.22")!
        #expect(check.connectTo == "www.example.com:8000:203.0.113.22:8000")
        check.host = nil
        #expect(check.url == "http://203.0.113.22:8000/ready")
        #expect(check.connectTo == nil)
    }

    @Test(
        arguments: [
            ("203.0.113.21", "bad host", "/", "host \"bad host\" is not a host name or address"),
            (
                "203.0.113.21", nil, "health",
                "path \"health\" must start with / and hold no spaces or control characters"
            ),
            ("203.0.113.21", nil, "/a b", "path \"/a b\" must start with / and hold no spaces or control characters"),
        ] as [(String, String?, String, String)])
    func rejects(address: String, host: String?, path: String, message: String) {
        #expect(throws: NetworkCheck.InvalidError(description: message)) {
            try NetworkCheck(address: IPAddress(address)!, port: 80, host: host, path: path)
        }
    }

    @Test func rejectsZeroTimeout() {
        #expect(throws: NetworkCheck.InvalidError(description: "timeout must be positive")) {
            try NetworkCheck(address: IPAddress("203.0.113.21")!, port: 80, timeout: .zero)
        }
    }
}

struct CurlFailureTests {
    @Test(
        arguments: [
            (CURLE_OPERATION_TIMEDOUT, 0, ProbeClass.timeout),
            (CURLE_OPERATION_TIMEDOUT, ECONNRESET, .timeout),
            (CURLE_COULDNT_CONNECT, ECONNREFUSED, .connectRefused),
            (CURLE_COULDNT_CONNECT, EHOSTUNREACH, .connectError),
            (CURLE_RECV_ERROR, ECONNRESET, .reset),
            (CURLE_SEND_ERROR, EPIPE, .reset),
            (CURLE_SSL_CONNECT_ERROR, ECONNRESET, .reset),
            (CURLE_GOT_NOTHING, 0, .protocolError),
            (CURLE_WEIRD_SERVER_REPLY, 0, .protocolError),
            (CURLE_UNSUPPORTED_PROTOCOL, 0, .protocolError),
            (CURLE_PARTIAL_FILE, 0, .protocolError),
            (CURLE_SSL_CONNECT_ERROR, 0, .tlsError),
            (CURLE_PEER_FAILED_VERIFICATION, 0, .tlsError),
            (CURLE_INTERFACE_FAILED, EADDRNOTAVAIL, .localError),
            (CURLE_COULDNT_CONNECT, EADDRNOTAVAIL, .localError),
            (CURLE_COULDNT_CONNECT, EMFILE, .localError),
            (CURLE_COULDNT_CONNECT, ENOBUFS, .localError),
            (CURLE_OPERATION_TIMEDOUT, ENOBUFS, .timeout),
            (CURLE_ABORTED_BY_CALLBACK, 0, .connectError),
        ] as [(CURLcode, Int32, ProbeClass)])
    func classifies(code: CURLcode, osErrno: Int32, expected: ProbeClass) {
        #expect(CurlFailure.classify(code, osErrno: osErrno) == expected)
    }

    @Test func classNamesAreTheMetricLabels() {
        #expect(
            ProbeClass.allCases.map(\.rawValue) == [
                "ok", "timeout", "connect_refused", "connect_error", "reset", "protocol_error", "http_status",
                "body_mismatch", "tls_error", "local_error", "dr_path", "exec_failed", "exec_timeout",
            ])
    }

    @Test func resultPrintsClassStatusDuration() {
        #expect(ProbeResult(.ok, duration: .microseconds(1_500), status: 200).description == "ok 200 0.002s")
        #expect(ProbeResult(.timeout, duration: .milliseconds(1_001)).description == "timeout - 1.001s")
        #expect(ProbeResult(.ok, duration: .milliseconds(20), weight: 3).description == "ok - 0.020s weight 3")
    }
}

struct ProbeURLTests {
    @Test(arguments: [
        ("http://198.51.100.33:8000/", ProbeURL.Parts(.http, "198.51.100.33", 8000, "/")),
        ("https://www.example.com/health?x=1", .init(.https, "www.example.com", 443, "/health?x=1")),
        ("HTTP://[2001:db8::1]:81", .init(.http, "2001:db8::1", 81, "/")),
        ("http://198.51.100.1?q", .init(.http, "198.51.100.1", 80, "/?q")),
        ("tcp://198.51.100.33:25", .init(.tcp, "198.51.100.33", 25, "/")),
    ])
    func parses(text: String, parts: ProbeURL.Parts) throws {
        let url = try ProbeURL(text)
        #expect(ProbeURL.Parts(url.scheme, url.host, url.port, url.path) == parts)
    }

    @Test(arguments: [
        "198.51.100.33:8000/", "ftp://host/", "http://", "http://host:0/", "http://host:65536/", "http://host:x/",
        "http://[::1/", "http://user@host/", "tcp://198.51.100.33", "udp://198.51.100.33", "dns://198.51.100.33/x",
    ])
    func rejects(text: String) {
        #expect(
            throws: NetworkCheck.InvalidError(
                description:
                    "URL \"\(text)\" is not http(s)://HOST[:PORT][/PATH], tcp://HOST:PORT, udp://HOST:PORT or "
                    + "dns://HOST[:PORT]")
        ) {
            try ProbeURL(text)
        }
    }

    @Test func udpAndDNSAreDatagrams() throws {
        let dns = try ProbeURL("dns://[2001:db8::53]")
        #expect(dns.datagram == .dns && dns.host == "2001:db8::53" && dns.port == 53)
        let udp = try ProbeURL("UDP://198.51.100.33:1812")
        #expect(udp.datagram == .udp && udp.port == 1812)
        #expect(try ProbeURL("tcp://198.51.100.33:25").datagram == nil)
    }
}

extension ProbeURL {
    struct Parts: Equatable {
        var scheme: ProbeScheme
        var host: String
        var port: UInt16
        var path: String
        init(_ scheme: ProbeScheme, _ host: String, _ port: UInt16, _ path: String) {
            (self.scheme, self.host, self.port, self.path) = (scheme, host, port, path)
        }
    }
}
