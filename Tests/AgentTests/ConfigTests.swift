import Foundation
import Primitives
import Testing

@testable import Agent

@Suite struct ConfigTests {
    static let full = """
        listen: "127.0.0.1:9470"
        state_file: /tmp/drcheck-state.json
        discover: true
        discovery_interval: 3s
        defaults:
          interval: 2s
          timeout: 1s
          rise: 2
          fall: 3
          mode: dr
          path: /health
          expect_status: "200-299"
          slow_start: 10s
          keep_last: true
        dr_sysctls: check
        arp_watch: 0s
        on_arp_conflict: drain
        probe_marks: 0x10000-0x100ff
        max_probes_in_flight: 64
        services:
          - name: web
            vip: "198.51.100.33:8000"
            protocol: tcp
            check:
              fall: 2
              host: www.example.com
              expect_body: "ok|healthy"
              expect_status: [200, "300-302"]
            real_servers:
              - address: 203.0.113.21
                weight: 7
              - address: "203.0.113.22:8080"
          - fwmark: 5
            check:
              port: 8080
              scheme: https
              tls_verify: false
          - vip: "[2001:db8::1]:443"
            protocol: udp
            check:
              type: exec
              command: [/bin/true, --dns]
          - fwmark: 5
            family: ipv6
            check:
              port: 8080
        """

    func parse(_ yaml: String) throws(ConfigError) -> Config {
        try ConfigParser.parse(yaml: yaml, file: "drcheck.yaml")
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try parse(yaml)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func readsEveryKeyAndMergesDefaultsIntoServices() throws {
        let config = try parse(Self.full)
        #expect(config.listen == "127.0.0.1:9470")
        #expect(config.stateFile == "/tmp/drcheck-state.json")
        #expect(config.discover == true)
        #expect(config.discoveryInterval == .seconds(3))
        #expect(config.drSysctls == .check)
        #expect(config.arpWatch == .zero)
        #expect(config.onArpConflict == .drain)
        #expect(config.probeMarks == 0x10000...0x100FF)
        #expect(config.maxProbesInFlight == 64)
        #expect(config.services.count == 4)
        let web = config.services[0]
        #expect(web.key == .virtual(Endpoint("198.51.100.33:8000")!, .tcp))
        #expect(web.label == "web")
        #expect(web.check.fall == 2)
        #expect(web.check.rise == 2)
        #expect(web.check.path == "/health")
        #expect(web.check.slowStart == .seconds(10))
        #expect(web.check.host == "www.example.com")
        #expect(web.check.expectBody == "ok|healthy")
        #expect(web.check.expectStatus.description == "200,300-302")
        #expect(web.configuredWeight(for: Endpoint("203.0.113.21:8000")!) == 7)
        #expect(web.configuredWeight(for: Endpoint("203.0.113.22:8080")!) == nil)
        #expect(web.realServers[1] == RealServerConfig(address: IPAddress("203.0.113.22")!, port: 8080))
        #expect(config.services[1].key == .fwmark(5, family: .ipv4))
        #expect(config.services[1].label == "fwmark:5")
        #expect(config.services[1].check.port == 8080)
        #expect(config.services[1].check.scheme == .https)
        #expect(config.services[1].check.tlsVerify == false)
        #expect(config.services[1].check.expectStatus.description == "200-299")
        #expect(config.services[2].key == .virtual(Endpoint("[2001:db8::1]:443")!, .udp))
        #expect(config.services[2].label == "[2001:db8::1]:443")
        #expect(config.services[2].check.type == .exec)
        #expect(config.services[2].check.command == ["/bin/true", "--dns"])
        #expect(config.services[3].key == .fwmark(5, family: .ipv6))
        #expect(config.services[3].label == "fwmark:5/ipv6")
        #expect(config.check(for: .fwmark(5, family: .ipv6))?.scheme == .http)
        #expect(config.check(for: .fwmark(5, family: .ipv4))?.scheme == .https)
    }

    @Test func effectiveConfigPrintsAsYAMLThatReadsBackTheSame() throws {
        let config = try parse(Self.full)
        let printed = ConfigPrinter.yaml(config)
        #expect(try parse(printed) == config)
        #expect(printed.contains("probe_marks: 0x10000-0x100ff\n"))
        #expect(printed.contains("max_probes_in_flight: 64\n"))
        #expect(printed.contains("  vip: \"198.51.100.33:8000\"\n"))
        #expect(printed.contains("- fwmark: 5\n  family: ipv4\n"))
        #expect(printed.contains("- fwmark: 5\n  family: ipv6\n"))
    }

    @Test func aServiceIsLabelledByItsNameElseItsKey() throws {
        let config = try ConfigParser.parse(
            yaml: """
                discover: true
                services:
                  - {name: web, vip: "198.51.100.33:8000"}
                  - {vip: "198.51.100.33:8001"}
                """, file: "t.yaml")
        #expect(config.label(of: ServiceKey("198.51.100.33:8000/tcp")!) == "web")
        #expect(config.label(of: ServiceKey("198.51.100.33:8001/tcp")!) == "198.51.100.33:8001")
        #expect(config.label(of: ServiceKey("198.51.100.33:9000/udp")!) == "198.51.100.33:9000")
        #expect(config.label(of: ServiceKey("fwmark:5/ipv6")!) == "fwmark:5/ipv6")
    }

    @Test func emptyFileIsTheDefaults() throws {
        #expect(try parse("") == Config())
        #expect(try parse("# nothing\n") == Config())
        #expect(Config().discover == false)
        #expect(Config().probeMarks == 0x4452_0000...0x4452_FFFF)
        #expect(Config().maxProbesInFlight == 256)
    }

    @Test func missingDefaultFileIsZeroConfigDiscovery() throws {
        let missing = "/tmp/drcheck-test-\(UUID().uuidString)/drcheck.yaml"
        let loaded = try ConfigLoader.load(path: nil, defaultPath: missing)
        #expect(loaded.source == .zeroConfig(missing: missing))
        #expect(loaded.config.discover == true)
        #expect(loaded.config.check(for: .fwmark(9, family: .ipv6)) == CheckSettings())
        #expect(ConfigPrinter.yaml(loaded.config).contains("discover: true\n"))
    }

    @Test func missingNamedFileIsAnError() {
        let missing = "/tmp/drcheck-test-\(UUID().uuidString).yaml"
        #expect(throws: ConfigError(file: missing, line: nil, key: "", message: "cannot read: no such file")) {
            try ConfigLoader.load(path: missing)
        }
    }

    @Test func loadsANamedFile() throws {
        let path = "/tmp/drcheck-test-\(UUID().uuidString).yaml"
        try Self.full.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ConfigLoader.load(path: path)
        #expect(loaded.source == .file(path))
        #expect(loaded.config == (try parse(Self.full)))
    }

    @Test func onlyListedServicesAreCheckedWithoutDiscover() throws {
        let config = try parse("services:\n  - vip: 198.51.100.33:8000\n")
        #expect(config.check(for: .virtual(Endpoint("198.51.100.33:8000")!, .tcp)) == CheckSettings())
        #expect(config.check(for: .virtual(Endpoint("198.51.100.33:8000")!, .udp)) == nil)
    }

    @Test(arguments: [
        (
            "services:\n  - vip: 198.51.100.33:8000\n    check:\n      fall: 0\n",
            "drcheck.yaml:4: services[0].check.fall: must be at least 1 (got 0)"
        ),
        ("defaults:\n  rise: 0\n", "drcheck.yaml:2: defaults.rise: must be at least 1 (got 0)"),
        ("defaults:\n  rise: two\n", "drcheck.yaml:2: defaults.rise: must be a whole number (got \"two\")"),
        (
            "defaults:\n  interval: 2x\n",
            "drcheck.yaml:2: defaults.interval: not a duration: \"2x\" (write it like 500ms, 2s, 1m30s or 1h)"
        ),
        ("defaults:\n  interval: 0s\n", "drcheck.yaml:2: defaults.interval: must be longer than 0s"),
        (
            "defaults:\n  interval: 1s\n  timeout: 2s\n",
            "drcheck.yaml:3: defaults.timeout: timeout 2s is longer than interval 1s"
        ),
        (
            "services:\n  - vip: 198.51.100.33:8000\n    check:\n      interval: 500ms\n",
            "drcheck.yaml:4: services[0].check.interval: timeout 1s is longer than interval 500ms"
        ),
        (
            "services:\n  - vip: 198.51.100.300:8000\n",
            "drcheck.yaml:2: services[0].vip: must be ADDR:PORT or [ADDR6]:PORT (got \"198.51.100.300:8000\")"
        ),
        (
            "services:\n  - vip: \"2001:db8::1:80\"\n",
            "drcheck.yaml:2: services[0].vip: must be ADDR:PORT or [ADDR6]:PORT (got \"2001:db8::1:80\")"
        ),
        (
            "services:\n  - vip: 198.51.100.33:8000\n  - vip: 198.51.100.33:8000\n",
            "drcheck.yaml:3: services[1].vip: duplicate of services[0] (198.51.100.33:8000/tcp)"
        ),
        (
            "services:\n  - name: a\n    vip: 198.51.100.33:80\n  - name: a\n    vip: 198.51.100.33:81\n",
            "drcheck.yaml:5: services[1].name: name \"a\" already used by services[0]"
        ),
        (
            "services:\n  - fwmark: 5\n",
            "drcheck.yaml:2: services[0].check.port: required for a fwmark service (the port to probe)"
        ),
        (
            "services:\n  - fwmark: 5\n    protocol: tcp\n    check: {port: 80}\n",
            "drcheck.yaml:3: services[0].protocol: does not apply to a fwmark service"
        ),
        (
            "services:\n  - fwmark: 0x44520001\n    check: {port: 80}\n",
            "drcheck.yaml:2: services[0].fwmark: 1146224641 lies in probe_marks, which drcheck reserves for its "
                + "probe services"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    fwmark: 5\n",
            "drcheck.yaml:2: services[0]: give either vip or fwmark, not both"
        ),
        ("services:\n  - name: x\n", "drcheck.yaml:2: services[0]: needs vip or fwmark"),
        (
            "services:\n  - fwmark: 5\n    family: inet6\n    check: {port: 80}\n",
            "drcheck.yaml:3: services[0].family: must be one of ipv4, ipv6 (got \"inet6\")"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    family: ipv6\n",
            "drcheck.yaml:3: services[0].family: applies only to a fwmark service (a VIP has its own)"
        ),
        (
            "services:\n  - fwmark: 5\n    check: {port: 80}\n  - fwmark: 5\n    family: ipv4\n    check: {port: 81}\n",
            "drcheck.yaml:4: services[1].fwmark: duplicate of services[0] (fwmark:5)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    protocol: icmp\n",
            "drcheck.yaml:3: services[0].protocol: must be one of tcp, udp, sctp (got \"icmp\")"
        ),
        ("defaults:\n  mode: nat\n", "drcheck.yaml:2: defaults.mode: must be one of dr, rip (got \"nat\")"),
        ("defaults:\n  path: health\n", "drcheck.yaml:2: defaults.path: must start with / (got \"health\")"),
        (
            "defaults:\n  path: \"/ HTTP/1.0\\r\\nX: y\"\n",
            "drcheck.yaml:2: defaults.path: must not contain spaces or control characters"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    check: {host: \"a\\nb\"}\n",
            "drcheck.yaml:3: services[0].check.host: must not contain spaces or control characters"
        ),
        (
            "defaults:\n  expect_status: \"200-99\"\n",
            "drcheck.yaml:2: defaults.expect_status: must be statuses or ranges within 100-599, like "
                + "\"200,204,300-399\" (got \"200-99\")"
        ),
        (
            "defaults:\n  keep_last: maybe\n",
            "drcheck.yaml:2: defaults.keep_last: must be true or false (got \"maybe\")"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    real_servers:\n      - address: rs1\n",
            "drcheck.yaml:4: services[0].real_servers[0].address: must be ADDR, ADDR:PORT or [ADDR6]:PORT (got \"rs1\")"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    real_servers:\n      - address: 203.0.113.21\n        weight: 0\n",
            "drcheck.yaml:5: services[0].real_servers[0].weight: must be at least 1 (got 0)"
        ),
        (
            "services:\n  - vip: 198.51.100.33:80\n    real_servers:\n      - {address: 203.0.113.21}\n"
                + "      - {address: 203.0.113.21}\n",
            "drcheck.yaml:5: services[0].real_servers[1].address: 203.0.113.21 is listed twice"
        ),
        (
            "listen: localhost\n",
            "drcheck.yaml:1: listen: must be ADDR:PORT, [ADDR6]:PORT or unix:/path (got \"localhost\")"
        ),
        // As the daemon will bind it: what a start would refuse, `config check` and a reload refuse.
        (
            "listen: unix:run/drcheck.sock\n",
            "drcheck.yaml:1: listen: the unix socket path must be absolute (got \"unix:run/drcheck.sock\")"
        ),
        (
            "listen: unix:/\(String(repeating: "a", count: 107))\n",
            "drcheck.yaml:1: listen: the unix socket path is longer than 107 bytes "
                + "(got \"unix:/\(String(repeating: "a", count: 107))\")"
        ),
        (
            "listen: \"[::1]:0\"\n",
            "drcheck.yaml:1: listen: port 0 would be a port no scraper knows (got \"[::1]:0\")"
        ),
        (
            "listen: \"[198.51.100.33]:9469\"\n",
            "drcheck.yaml:1: listen: \"198.51.100.33\" is not an IPv6 address (got \"[198.51.100.33]:9469\")"
        ),
        (
            "probe_marks: 0x200-0x100\n",
            "drcheck.yaml:1: probe_marks: must be a range of marks FIRST-LAST, like 0x44520000-0x4452ffff "
                + "(got \"0x200-0x100\")"
        ),
        ("max_probes_in_flight: 0\n", "drcheck.yaml:1: max_probes_in_flight: must be at least 1 (got 0)"),
        (
            "max_probes_in_flight: many\n",
            "drcheck.yaml:1: max_probes_in_flight: must be a whole number (got \"many\")"
        ),
        ("services: web\n", "drcheck.yaml:1: services: must be a list"),
        ("defaults:\n  fall: [1]\n", "drcheck.yaml:2: defaults.fall: must be a single value"),
        ("- a\n", "drcheck.yaml:1: must be a mapping of keys to values"),
        ("defaults:\n  fall: 2\n  fall: 3\n", "drcheck.yaml:2: fall: key given twice"),
    ])
    func rejectsWithFileLineAndKey(yaml: String, expected: String) {
        #expect(error(yaml) == expected)
    }

    @Test func unknownKeysAreNamedWithTheKnownOnes() {
        #expect(
            error("services:\n  - vip: 198.51.100.33:80\n    check:\n      hosts: a\n")
                == "drcheck.yaml:4: services[0].check.hosts: unknown key (known here: interval, timeout, rise, fall, "
                + "mode, path, expect_status, slow_start, keep_last, tls_ca_file, tls_resume, type, command, dynamic_weight, alpha, "
                + "on_change, require_reply, query_name, query_type, expect_rcode, expect_address, dns_transport, method, "
                + "headers, interval_jitter, fast_interval, down_interval, flap_damping, weight_header, host, "
                + "expect_body, port, "
                + "scheme, tls_verify, send, send_hex, expect, grpc_service)")
        #expect(error("defaults:\n  host: a\n").hasPrefix("drcheck.yaml:2: defaults.host: unknown key (known here: "))
        #expect(error("\n\nbogus: 1\n").hasPrefix("drcheck.yaml:3: bogus: unknown key (known here: listen, "))
    }

    @Test func invalidRegularExpression() {
        #expect(
            error("services:\n  - vip: 198.51.100.33:80\n    check:\n      expect_body: \"(ok\"\n")
                .hasPrefix("drcheck.yaml:4: services[0].check.expect_body: not a valid regular expression: "))
    }

    @Test func aSecondDocumentIsASyntaxError() {
        #expect(
            error("---\nlisten: 127.0.0.1:1\n---\ndiscover: true\n")
                == "drcheck.yaml:3: YAML syntax: expected a single document in the stream, but found another document")
    }

    @Test func syntaxErrorNamesTheLine() {
        #expect(error("defaults:\n  fall: 2\n   rise: [\n").hasPrefix("drcheck.yaml:3: YAML syntax: "))
    }
}
