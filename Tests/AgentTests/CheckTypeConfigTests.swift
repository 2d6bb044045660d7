import Foundation
import Primitives
import Testing

@testable import Agent

/// `type` (http, tcp, exec), an exec check's `command` and `dynamic_weight`, and which services each type can
/// judge: what a listed service may have, and what discovery leaves alone.
struct CheckTypeConfigTests {
    func parse(_ yaml: String) throws(ConfigError) -> Config { try ConfigTests().parse(yaml) }

    func error(_ yaml: String) -> String { ConfigTests().error(yaml) }

    static let web = ServiceKey.virtual(Endpoint("198.51.100.33:8000")!, .tcp)
    static let dns = ServiceKey.virtual(Endpoint("198.51.100.33:53")!, .udp)
    static let sctp = ServiceKey.virtual(Endpoint("198.51.100.33:3868")!, .sctp)
    static let mark = ServiceKey.fwmark(7, family: .ipv4)

    @Test func discoveryChecksOnlyWhatItsNetworkCheckCanJudge() throws {
        let config = try parse("discover: true\n")
        #expect(config.check(for: Self.web) == CheckSettings())
        #expect(config.check(for: Self.mark) == CheckSettings())
        #expect(config.check(for: Self.dns) == nil)
        #expect(config.check(for: Self.sctp) == nil)
        #expect(
            config.notChecked(Self.dns)
                == "a udp service, which an http check cannot judge (list it with an exec check)")
        #expect(
            config.notChecked(Self.sctp)
                == "a sctp service, which an http check cannot judge (list it with an exec check)")
        #expect(config.notChecked(Self.web) == nil)
        #expect(Config.zeroConfig.check(for: Self.dns) == nil)
    }

    @Test func discoveryWithTCPDefaultsLeavesUDPAlone() throws {
        let config = try parse("discover: true\ndefaults:\n  type: tcp\n")
        #expect(config.check(for: Self.web)?.type == .tcp)
        #expect(config.check(for: Self.dns) == nil)
        #expect(
            config.notChecked(Self.dns) == "a udp service, which a tcp check cannot judge (list it with an exec check)")
    }

    @Test func discoveryWithExecDefaultsChecksEveryService() throws {
        let config = try parse("discover: true\ndefaults:\n  type: exec\n  command: [/bin/true]\n")
        #expect(config.check(for: Self.dns)?.command == ["/bin/true"])
        #expect(config.notChecked(Self.dns) == nil)
    }

    @Test func withoutDiscoveryNothingUnlistedIsNamed() throws {
        #expect(try parse("").notChecked(Self.dns) == nil)
    }

    @Test func aListedUDPServiceWithAnExecCheckIsChecked() throws {
        let config = try parse(
            "services:\n  - vip: 198.51.100.33:53\n    protocol: udp\n    check:\n      type: exec\n"
                + "      command: [true, \"a b\"]\n      dynamic_weight: true\n")
        let check = try #require(config.check(for: Self.dns))
        #expect(check.type == .exec)
        // A name without a slash is resolved through PATH at load; arguments are kept as written.
        #expect(check.command.count == 2 && check.command[0].hasSuffix("/true") && check.command[0].hasPrefix("/"))
        #expect(check.command[1] == "a b")
        #expect(check.dynamicWeight)
    }

    @Test func aFwmarkServiceWithAnExecCheckNeedsNoPort() throws {
        let config = try parse("services:\n  - fwmark: 7\n    check: {type: exec, command: [/bin/true]}\n")
        #expect(config.check(for: Self.mark)?.port == nil)
    }

    @Test(arguments: [
        (
            "services:\n  - vip: 198.51.100.33:53\n    protocol: udp\n",
            "drcheck.yaml:3: services[0].protocol: cannot be checked: a udp service, which an http check cannot "
                + "judge (list it with an exec check)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:53\n    protocol: udp\n    check:\n      type: tcp\n",
            "drcheck.yaml:5: services[0].check: cannot be checked: a udp service, which a tcp check cannot judge "
                + "(list it with an exec check)"
        ),
        (
            "defaults:\n  type: tcp\nservices:\n  - vip: 198.51.100.33:3868\n    protocol: sctp\n",
            "drcheck.yaml:5: services[0].protocol: cannot be checked: a sctp service, which a tcp check cannot "
                + "judge (list it with an exec check)"
        ),
        (
            "defaults:\n  type: ping\n",
            "drcheck.yaml:2: defaults.type: must be one of http, tcp, exec, udp, dns, grpc (got \"ping\")"
        ),
        (
            "defaults:\n  type: exec\n",
            "drcheck.yaml:2: defaults.type: an exec check needs command: [PROGRAM, ARGUMENT...]"
        ),
        (
            "defaults:\n  command: [/bin/true]\n",
            "drcheck.yaml:2: defaults.command: applies only to an exec check (type is http)"
        ),
        (
            "defaults:\n  dynamic_weight: true\n  type: tcp\n",
            "drcheck.yaml:2: defaults.dynamic_weight: applies only to an exec check (type is tcp)"
        ),
        (
            "defaults:\n  type: tcp\n  path: /health\n",
            "drcheck.yaml:3: defaults.path: applies only to an http check (type is tcp)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {type: exec, command: [/bin/true], scheme: https}\n",
            "drcheck.yaml:3: services[0].check.scheme: applies only to an http or grpc check (type is exec)"
        ),
        (
            "defaults:\n  type: exec\n  command: /bin/true --x\n",
            "drcheck.yaml:3: defaults.command: must be a list, the program then its arguments, like "
                + "[/usr/bin/dig, +short] (no shell)"
        ),
        (
            "defaults:\n  type: exec\n  command: []\n",
            "drcheck.yaml:3: defaults.command: must name a program"
        ),
        (
            "defaults:\n  type: exec\n  command: [bin/true]\n",
            "drcheck.yaml:3: defaults.command: \"bin/true\" must be an absolute path or a name found in PATH"
        ),
        (
            "defaults:\n  type: exec\n  command: [/nonexistent/drcheck-probe]\n",
            "drcheck.yaml:3: defaults.command: /nonexistent/drcheck-probe: no such file or directory"
        ),
        (
            "defaults:\n  type: exec\n  command: [/etc]\n",
            "drcheck.yaml:3: defaults.command: /etc: is a directory"
        ),
        (
            "defaults:\n  type: exec\n  command: [/proc/version]\n",
            "drcheck.yaml:3: defaults.command: /proc/version: not executable"
        ),
        (
            "defaults:\n  type: exec\n  command: [/dev/null]\n",
            "drcheck.yaml:3: defaults.command: /dev/null: not a regular file"
        ),
        (
            "defaults:\n  type: exec\n  command: [drcheck-no-such-program-here]\n",
            "drcheck.yaml:3: defaults.command: drcheck-no-such-program-here: no executable of that name in PATH"
        ),
        (
            "defaults:\n  type: exec\n  command: [/bin/true, [a]]\n",
            "drcheck.yaml:3: defaults.command[1]: must be a single value"
        ),
        (
            "defaults:\n  type: exec\n  command: [/bin/true, \"@${DRCHECK_RIP}\", \"${DRCHECK_HOST}\"]\n",
            "drcheck.yaml:3: defaults.command[2]: ${DRCHECK_HOST} is not a variable drcheck sets (it sets "
                + "DRCHECK_VIP, DRCHECK_VPORT, DRCHECK_RIP, DRCHECK_RPORT, DRCHECK_SERVICE, DRCHECK_PROTOCOL, "
                + "DRCHECK_FWMARK)"
        ),
        (
            "max_commands_in_flight: 0\n",
            "drcheck.yaml:1: max_commands_in_flight: must be at least 1 (got 0)"
        ),
    ])
    func badValuesAreOneLineErrors(yaml: String, expected: String) {
        let message = error(yaml)
        // The PATH searched is named after the expected text; the rest must match exactly.
        #expect(message == expected || message.hasPrefix(expected + " ("))
        #expect(!message.contains("\n"))
    }

    @Test func printedExecAndTCPChecksReadBackTheSame() throws {
        let config = try parse(
            "max_commands_in_flight: 4\ndefaults:\n  type: tcp\nservices:\n  - vip: 198.51.100.33:8000\n"
                + "  - vip: 198.51.100.33:53\n    protocol: udp\n"
                + "    check: {type: exec, command: [/bin/true, \"two words\"], dynamic_weight: true, alpha: true}\n")
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("max_commands_in_flight: 4\n"))
        #expect(printed.contains("defaults:\n  type: tcp\n  interval: 2s\n"))
        #expect(printed.contains("    command:\n    - \"/bin/true\"\n    - \"two words\"\n    dynamic_weight: true\n"))
        #expect(printed.contains("    alpha: true\n"))
        #expect(!printed.contains("path:"))
        #expect(try parse(printed) == config)
    }

    @Test func aChangeHookIsAnArgvThatMayNameTheEventsVariables() throws {
        let config = try parse(
            "on_change_timeout: 3s\nmax_hooks_in_flight: 2\ndefaults:\n"
                + "  on_change: [/bin/true, \"${DRCHECK_EVENT}\", \"${DRCHECK_RIP}\"]\n")
        #expect(config.defaults.onChange == ["/bin/true", "${DRCHECK_EVENT}", "${DRCHECK_RIP}"])
        #expect(config.onChangeTimeout == .seconds(3))
        #expect(config.maxHooksInFlight == 2)
        #expect(try parse(ConfigPrinter.yaml(config)) == config)
        #expect(
            error("defaults:\n  on_change: [/bin/true, \"${DRCHECK_EVENTS}\"]\n").hasPrefix(
                "drcheck.yaml:2: defaults.on_change[1]: ${DRCHECK_EVENTS} is not a variable drcheck sets"))
        #expect(
            error("defaults:\n  type: exec\n  command: [/bin/true, \"${DRCHECK_EVENT}\"]\n").hasPrefix(
                "drcheck.yaml:3: defaults.command[1]: ${DRCHECK_EVENT} is not a variable drcheck sets"))
        #expect(error("max_hooks_in_flight: 0\n") == "drcheck.yaml:1: max_hooks_in_flight: must be at least 1 (got 0)")
    }

    @Test func aTCPCheckSendsAndExpects() throws {
        let config = try parse(
            "services:\n  - vip: 198.51.100.33:6379\n    check:\n      type: tcp\n      send: \"PING\\r\\n\"\n"
                + "      expect: \"^\\\\+PONG\"\n")
        let check = try #require(config.check(for: .virtual(Endpoint("198.51.100.33:6379")!, .tcp)))
        #expect(check.send == "PING\r\n")
        #expect(check.expect == #"^\+PONG"#)
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("    send: \"PING\\r\\n\"\n"))
        #expect(try parse(printed) == config)
        // A banner alone: expect without send.
        #expect(
            try parse("services:\n  - vip: 198.51.100.33:25\n    check: {type: tcp, expect: \"^220\"}\n")
                .services[0].check.expect == "^220")
    }

    @Test(arguments: [
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {send: \"x\"}\n",
            "drcheck.yaml:3: services[0].check.send: applies only to a tcp or udp check (type is http)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {type: exec, command: [/bin/true], expect: \"x\"}\n",
            "drcheck.yaml:3: services[0].check.expect: applies only to a tcp or udp check (type is exec)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {type: tcp, send: \"\"}\n",
            "drcheck.yaml:3: services[0].check.send: must not be empty"
        ),
        (
            "defaults:\n  type: tcp\n  expect: \"^220\"\n",
            "drcheck.yaml:3: defaults.expect: unknown key"
        ),
    ])
    func tcpConversationKeysAreVetted(yaml: String, expected: String) {
        #expect(error(yaml).hasPrefix(expected))
    }

    @Test func anExpectThatIsNoRegularExpressionIsRefused() {
        #expect(
            error("services:\n  - vip: 198.51.100.33:80\n    check: {type: tcp, expect: \"(\"}\n").hasPrefix(
                "drcheck.yaml:3: services[0].check.expect: not a valid regular expression"))
    }

    @Test func udpAndDNSChecksJudgeUDPServices() throws {
        let config = try parse(
            "services:\n  - vip: 198.51.100.33:53\n    protocol: udp\n    check:\n      type: dns\n"
                + "      query_name: www.example.org\n      query_type: AAAA\n      expect_rcode: [NOERROR, NXDOMAIN]\n"
                + "      expect_address: [\"2001:db8::7\"]\n"
                + "  - vip: 198.51.100.33:1812\n    protocol: udp\n    check:\n      type: udp\n"
                + "      send: \"status\\n\"\n      expect: \"^ok\"\n      require_reply: false\n")
        let dns = try #require(config.check(for: Self.dns))
        #expect(dns.type == .dns)
        #expect(dns.queryName == "www.example.org")
        #expect(dns.queryType == .aaaa)
        #expect(dns.expectRcode == [.noError, .nxDomain])
        #expect(dns.expectAddress == [IPAddress("2001:db8::7")!])
        let udp = try #require(config.check(for: .virtual(Endpoint("198.51.100.33:1812")!, .udp)))
        #expect(udp.type == .udp && udp.send == "status\n" && udp.expect == "^ok" && !udp.requireReply)
        #expect(try parse(ConfigPrinter.yaml(config)) == config)
        let overTCP = try parse("services:\n  - vip: 198.51.100.33:53\n    check: {type: dns, dns_transport: tcp}\n")
        #expect(overTCP.services[0].check.dnsTransport == .tcp)
        #expect(ConfigPrinter.yaml(overTCP).contains("    dns_transport: tcp\n"))
        #expect(try parse(ConfigPrinter.yaml(overTCP)) == overTCP)
        // The defaults' query serves discovered UDP services; a TCP service is not a dns check's.
        let discovered = try parse("discover: true\ndefaults:\n  type: dns\n  query_name: example.org\n")
        #expect(discovered.check(for: Self.dns)?.queryName == "example.org")
        #expect(discovered.check(for: Self.web) == nil)
        #expect(
            discovered.notChecked(Self.web)
                == "a tcp service, which a dns check cannot judge (list it with an exec check)")
    }

    @Test(arguments: [
        (
            "defaults:\n  type: dns\n  query_name: \"a..b\"\n",
            #"drcheck.yaml:3: defaults.query_name: not a DNS name: "a..b""#
        ),
        ("defaults:\n  type: dns\n  query_type: AXFR\n", "drcheck.yaml:3: defaults.query_type: must be one of A, NS,"),
        (
            "defaults:\n  type: dns\n  expect_rcode: []\n",
            "drcheck.yaml:3: defaults.expect_rcode: must list at least one"
        ),
        (
            "defaults:\n  type: dns\n  expect_address: [www]\n",
            #"drcheck.yaml:3: defaults.expect_address[0]: not an IP address: "www""#
        ),
        (
            "defaults:\n  query_type: A\n",
            "drcheck.yaml:2: defaults.query_type: applies only to a dns check (type is http)"
        ),
        (
            "defaults:\n  type: tcp\n  require_reply: false\n",
            "drcheck.yaml:3: defaults.require_reply: applies only to a udp check (type is tcp)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {type: dns}\n",
            "drcheck.yaml:3: services[0].check: cannot be checked: a tcp service, which a dns check cannot judge"
        ),
    ])
    func udpAndDNSKeysAreVetted(yaml: String, expected: String) {
        #expect(error(yaml).hasPrefix(expected))
    }

    @Test func aGRPCCheckNamesItsServiceAndSharesTheConnectionKeys() throws {
        let config = try parse(
            "services:\n  - vip: 198.51.100.33:50051\n    check:\n      type: grpc\n      grpc_service: app.Greeter\n"
                + "      scheme: https\n      tls_verify: false\n      host: grpc.example.org\n")
        let check = try #require(config.check(for: .virtual(Endpoint("198.51.100.33:50051")!, .tcp)))
        #expect(check.type == .grpc && check.grpcService == "app.Greeter" && check.scheme == .https)
        #expect(try parse(ConfigPrinter.yaml(config)) == config)
        #expect(
            error("services:\n  - vip: 198.51.100.33:80\n    check: {grpc_service: x}\n")
                == "drcheck.yaml:3: services[0].check.grpc_service: applies only to a grpc check (type is http)")
        #expect(
            error("services:\n  - vip: 198.51.100.33:80\n    check: {type: grpc, path: /x}\n")
                == "drcheck.yaml:3: services[0].check.path: applies only to an http check (type is grpc)")
        #expect(
            error("services:\n  - vip: 198.51.100.33:53\n    protocol: udp\n    check: {type: grpc}\n").hasPrefix(
                "drcheck.yaml:4: services[0].check: cannot be checked: a udp service, which a grpc check cannot judge"))
    }

    @Test func sendHexCarriesBytesATextCannot() throws {
        let config = try parse(
            "services:\n  - vip: 198.51.100.33:1812\n    protocol: udp\n    check: {type: udp, send_hex: \"ff 00 0d0a\"}\n"
        )
        #expect(config.services[0].check.payload == [0xff, 0, 0x0d, 0x0a])
        #expect(ConfigPrinter.yaml(config).contains("    send_hex: \"ff000d0a\"\n"))
        #expect(try parse(ConfigPrinter.yaml(config)) == config)
        #expect(
            error("services:\n  - vip: 198.51.100.33:25\n    check: {type: tcp, send: x, send_hex: \"0a\"}\n")
                == "drcheck.yaml:3: services[0].check.send_hex: give send or send_hex, not both")
        #expect(
            error("services:\n  - vip: 198.51.100.33:25\n    check: {type: tcp, send_hex: \"0g\"}\n")
                == #"drcheck.yaml:3: services[0].check.send_hex: must be pairs of hex digits, like "2a310d0a""#)
    }
}

/// An http check's method and extra request headers.
struct RequestConfigTests {
    /// A config of one service with `check`.
    static func yaml(_ check: String) -> String { "services:\n  - vip: \"198.51.100.33:80\"\n    check: \(check)\n" }

    func parse(_ check: String) throws(ConfigError) -> CheckSettings {
        try ConfigTests().parse(Self.yaml(check)).services[0].check
    }

    func error(_ check: String) -> String { ConfigTests().error(Self.yaml(check)) }

    @Test func methodAndHeadersAreReadInOrder() throws {
        let check = try parse(#"{method: HEAD, headers: {X-Probe: lvs1, Authorization: "Bearer s3cret"}}"#)
        #expect(check.method == .head)
        #expect(check.headers == ["X-Probe: lvs1", "Authorization: Bearer s3cret"])
        #expect(try parse("{}").method == .get)
    }

    @Test func badRequestsAreOneLine() {
        #expect(error("{method: POST}").contains("must be one of GET, HEAD, OPTIONS"))
        #expect(error("{method: HEAD, expect_body: ok}").contains("HEAD gets no body for expect_body to match"))
        #expect(error("{headers: {Host: x}}").contains("give it as host"))
        #expect(error("{headers: {Content-Length: 5}}").contains("drcheck writes it itself"))
        #expect(error(#"{headers: {"X A": b}}"#).contains("is not a header name"))
        #expect(error(#"{headers: {X-A: "b\nX-B: c"}}"#).contains("must be one line of text"))
        #expect(error("{type: tcp, method: HEAD}").contains("applies only to an http check"))
    }

    @Test func aCredentialIsNeverPrinted() throws {
        let config = try ConfigParser.parse(
            yaml: """
                services:
                  - vip: "198.51.100.33:80"
                    check: {method: OPTIONS, headers: {X-Probe: lvs1, Authorization: "Bearer s3cret"}}
                """, file: "drcheck.yaml")
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("    method: OPTIONS\n"))
        #expect(printed.contains("      X-Probe: \"lvs1\"\n"))
        #expect(printed.contains("      Authorization: \"(not shown)\"\n"))
        #expect(!printed.contains("s3cret"))
    }

    @Test func intervalJitterIsAPercentageUpToAQuarter() throws {
        #expect(try parse("{interval_jitter: 10%}").intervalJitter == 10)
        #expect(try parse("{interval_jitter: 25}").intervalJitter == 25)
        #expect(try parse("{}").intervalJitter == 0)
        #expect(error("{interval_jitter: 30%}").contains("must be a percentage from 0% to 25% (got \"30%\")"))
        let config = try ConfigTests().parse(Self.yaml("{interval_jitter: 10%}"))
        #expect(ConfigPrinter.yaml(config).contains("    interval_jitter: \"10%\"\n"))
        #expect(try ConfigParser.parse(yaml: ConfigPrinter.yaml(config), file: "printed.yaml") == config)
    }
}
