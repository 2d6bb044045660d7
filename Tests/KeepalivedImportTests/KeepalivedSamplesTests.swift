import Agent
import Foundation
import Primitives
import Testing

@testable import KeepalivedImport

/// The samples Debian's keepalived package ships (`/usr/share/doc/keepalived/samples`, installed by
/// Packaging/install-deps.sh): each translates into a config drcheck reads, or names what it could not translate;
/// several are checked value for value against what the sample says.
struct KeepalivedSamplesTests {
    static let directory = "/usr/share/doc/keepalived/samples"
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    /// The sample's path, decompressed into the fixture when Debian shipped it gzipped.
    func sample(_ name: String) throws -> String {
        let path = "\(Self.directory)/\(name)"
        if FileManager.default.fileExists(atPath: path) { return path }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-dc", path + ".gz"]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        return try fixture.write(name, String(decoding: data, as: UTF8.self))
    }

    func translated(_ name: String) throws -> ImportedConfig {
        try KeepalivedImporter.translate(file: try sample(name))
    }

    /// The sample's import and its services as drcheck reads them.
    func imported(_ name: String) throws -> (config: ImportedConfig, services: [ServiceConfig]) {
        let config = try translated(name)
        return (config, try KeepalivedFixture.parsed(config).services)
    }

    /// The warnings with the sample's directory left out: `keepalived.conf.sample:13: ...`.
    func warnings(_ config: ImportedConfig) -> [String] {
        config.warnings.map { $0.description.replacing(Self.directory + "/", with: "") }
    }

    static func check(
        _ type: CheckType = .http, interval: Int = 6, timeout: Int = 3, fall: Int, path: String? = nil,
        statuses: [ClosedRange<Int>] = [200...299], https: Bool = false, port: UInt16? = nil, host: String? = nil,
        retryDelay: Int = 3
    ) -> CheckSettings {
        var check = CheckSettings()
        check.type = type
        (check.interval, check.timeout) = (.seconds(interval), .seconds(timeout))
        // keepalived's delay_before_retry (the samples' HTTP checks give 3 s; 1 s by default).
        check.fastInterval = .seconds(retryDelay)
        (check.rise, check.fall, check.mode) = (1, fall, .rip)
        if let path { (check.path, check.expectStatus) = (path, StatusRanges(statuses)) }
        if https { (check.scheme, check.tlsVerify) = (.https, false) }
        (check.port, check.host) = (port, host)
        return check
    }

    static func server(_ text: String, weight: Int? = 1) -> RealServerConfig {
        if let endpoint = Endpoint(text) {
            return RealServerConfig(address: endpoint.address, port: endpoint.port, weight: weight)
        }
        return RealServerConfig(address: IPAddress(text)!, weight: weight)
    }

    /// An unnamed service as drcheck reads it, its real servers at weight 1.
    static func service(_ key: ServiceKey, _ check: CheckSettings, _ servers: String..., sorry: String? = nil)
        -> ServiceConfig
    {
        ServiceConfig(
            name: nil, key: key, check: check, realServers: servers.map { server($0) },
            sorryServer: sorry.map { server($0) })
    }

    static func vip(_ text: String, _ transport: TransportProtocol = .tcp) -> ServiceKey {
        .virtual(Endpoint(text)!, transport)
    }

    @Test func everySampleTranslatesOrNamesWhatItCouldNot() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory)
            .filter { $0.hasPrefix("keepalived.conf.") }
            .map { $0.hasSuffix(".gz") ? String($0.dropLast(3)) : $0 }
        #expect(names.count >= 20)
        for name in names {
            let config = try translated(name)
            let left = config.services.filter { !$0.listed }
            // A service left out is named by a warning saying why.
            if !left.isEmpty {
                #expect(
                    config.warnings.contains { $0.message.contains("cannot judge") || $0.message.hasSuffix("left out") }
                )
            }
            do {
                let parsed = try KeepalivedFixture.parsed(config)
                #expect(parsed.services.count == config.services.count - left.count, "\(name)")
                #expect(!parsed.discover)
            } catch {
                // Only a MISC_CHECK program missing here, which the import named.
                let program = config.services.first?.check.fields.command.first ?? "-"
                #expect(error.message == "\(program): no such file or directory", "\(name)")
                #expect(config.warnings.contains { $0.message.hasPrefix("\(program) is not an executable here") })
            }
        }
    }

    @Test func sample() throws {
        let (config, services) = try imported("keepalived.conf.sample")
        #expect(
            services == [
                Self.service(
                    Self.vip("10.10.10.2:1358"), Self.check(fall: 4, path: "/testurl3/test.jsp"),
                    "192.168.200.2:1358", sorry: "192.168.200.200:1358")
            ])
        #expect(
            warnings(config) == [
                "keepalived.conf.sample:13: vrrp_instance VI_1 skipped: VRRP is not drcheck's job",
                "keepalived.conf.sample:40: digest 640205b7b0fc66c1ea91c463fac6334d: drcheck compares no MD5 of the "
                    + "page, this check judges the status only (expect_body: REGEX can check the content)",
            ])
        #expect(
            KeepalivedImporter.ipvsadmRules(config) == """
                -A -t 10.10.10.2:1358 -s rr -p 50
                -a -t 10.10.10.2:1358 -r 192.168.200.2:1358 -m -w 1
                -a -t 10.10.10.2:1358 -r 192.168.200.200:1358 -m -w 0

                """)
    }

    @Test func httpGetPort() throws {
        let services = try imported("keepalived.conf.HTTP_GET.port").services
        #expect(
            services == [
                Self.service(
                    Self.vip("192.168.200.100:443"), Self.check(fall: 4, path: "/", https: true, port: 444),
                    "192.168.201.100:443")
            ])
    }

    @Test func sslGet() throws {
        let (config, services) = try imported("keepalived.conf.SSL_GET")
        #expect(
            services == [
                Self.service(
                    Self.vip("192.168.200.100:443"), Self.check(fall: 4, path: "/", https: true), "192.168.201.100:443"),
                Self.service(Self.vip("192.168.200.100:80"), Self.check(fall: 4, path: "/"), "192.168.201.100:80"),
            ])
        #expect(
            warnings(config) == [
                "keepalived.conf.SSL_GET:13: vrrp_instance VI_1 skipped: VRRP is not drcheck's job",
                "keepalived.conf.SSL_GET:42: digest ff20ad2481f97b1754ef3e12ecd3a9cc: drcheck compares no MD5 of the "
                    + "page, this check judges the status only (expect_body: REGEX can check the content)",
                "keepalived.conf.SSL_GET:44: url /mrtg/ not checked: a drcheck check asks for one path",
                "keepalived.conf.SSL_GET:67: digest ff20ad2481f97b1754ef3e12ecd3a9cc: drcheck compares no MD5 of the "
                    + "page, this check judges the status only (expect_body: REGEX can check the content)",
                "keepalived.conf.SSL_GET:69: url /mrtg/ not checked: a drcheck check asks for one path",
            ])
    }

    @Test func fwmark() throws {
        let (config, services) = try imported("keepalived.conf.fwmark")
        #expect(
            services == [
                Self.service(
                    .fwmark(1, family: .ipv4), Self.check(.tcp, fall: 2, port: 80, retryDelay: 1), "192.168.201.100",
                    "192.168.201.101"
                )
            ])
        #expect(config.warnings.isEmpty)
        #expect(
            KeepalivedImporter.ipvsadmRules(config) == """
                -A -f 1 -s rr -p 900
                -a -f 1 -r 192.168.201.100 -m -w 1
                -a -f 1 -r 192.168.201.101 -m -w 1

                """)
    }

    @Test func miscCheckPointsAtTheProgramAsWritten() throws {
        let config = try translated("keepalived.conf.misc_check")
        let check = try #require(config.services.first?.check.fields)
        #expect(check.type == .exec)
        #expect(check.command == ["/usr/local/bin/script.sh"])
        #expect(
            (check.interval, check.timeout, check.fall, check.dynamicWeight) == (.seconds(6), .seconds(6), 1, false))
        #expect(config.services.first?.realServers.map(\.address) == ["192.168.200.6:1358"])
        #expect(
            warnings(config) == [
                "keepalived.conf.misc_check:24: /usr/local/bin/script.sh is not an executable here: drcheck config "
                    + "check refuses it until it is"
            ])
        #expect(throws: ConfigError.self) { try KeepalivedFixture.parsed(config) }
        let arguments = try translated("keepalived.conf.misc_check_arg")
        #expect(arguments.services.first?.check.fields.command == ["/usr/local/bin/script.sh", "arg1", "arg2"])
        // Pointed at a program that exists, the same translation is a valid drcheck config.
        let yaml = KeepalivedImporter.yaml(arguments).replacing("/usr/local/bin/script.sh", with: "/bin/true")
        let parsed = try ConfigParser.parse(yaml: yaml, file: "imported.yaml")
        #expect(parsed.services.first?.check.command == ["/bin/true", "arg1", "arg2"])
        #expect(parsed.services.first?.check.timeout == .seconds(6))
    }

    @Test func virtualServerGroupIsExpanded() throws {
        let (config, services) = try imported("keepalived.conf.virtual_server_group")
        let range = (3...10).map { Self.vip("192.168.200.\($0):80") }
        #expect(
            services.map(\.key)
                == [Self.vip("10.0.0.1:8080"), Self.vip("10.0.0.2:80"), Self.vip("192.168.200.1:1358")] + range
                + [.fwmark(1, family: .ipv4), .fwmark(2, family: .ipv4)])
        let servers = [Self.server("192.168.200.1:1358"), Self.server("192.168.200.2:1358")]
        for service in services {
            #expect(service.realServers == servers)
            let port: UInt16? = if case .fwmark = service.key { 1358 } else { nil }
            #expect(service.check == Self.check(fall: 4, path: "/testurl3/test.jsp", port: port))
        }
        let rules = KeepalivedImporter.ipvsadmRules(config).split(separator: "\n")
        #expect(rules.count == 13 * 3)
        #expect(
            rules.suffix(3) == [
                "-A -f 2 -s rr -p 50", "-a -f 2 -r 192.168.200.1:1358 -m -w 1", "-a -f 2 -r 192.168.200.2:1358 -m -w 1",
            ])
    }

    @Test func inhibitOnFailureIsWhatDrcheckAlwaysDoes() throws {
        let (config, services) = try imported("keepalived.conf.inhibit")
        #expect(
            services == [
                Self.service(
                    Self.vip("10.10.10.2:1358"), Self.check(fall: 4, path: "/testurl3/test.jsp"), "192.168.200.2:1358")
            ])
        let yaml = KeepalivedImporter.yaml(config)
        #expect(
            yaml.contains(
                "      # inhibit_on_failure: what drcheck always does (weight 0, never removed)\n"
                    + "      - address: \"192.168.200.2:1358\"\n"))
    }

    @Test func statusCodes() throws {
        let (config, services) = try imported("keepalived.conf.status_code")
        #expect(
            services.first?.check
                == Self.check(fall: 4, path: "/", statuses: [200...299, 400...499, 503...503, 505...505], https: true))
        #expect(
            warnings(config) == [
                "keepalived.conf.status_code:28: url /mrtg/ not checked: a drcheck check asks for one path"
            ])
    }

    @Test func virtualhostIsTheHost() throws {
        let services = try imported("keepalived.conf.virtualhost").services
        #expect(
            services == [
                Self.service(
                    Self.vip("192.168.200.100:80"),
                    Self.check(fall: 4, path: "/", https: true, host: "www.firewall.loc"), "192.168.201.100:80")
            ])
    }

    @Test func ipv6WithAnSMTPCheckAsTheGreeting() throws {
        let (config, services) = try imported("keepalived.conf.IPv6")
        var check = Self.check(.tcp, fall: 4, retryDelay: 1)
        check.expect = "^220 "
        #expect(services == [Self.service(Self.vip("[ae00::1]:80"), check, "[ae00::10]:25")])
        #expect(
            warnings(config) == [
                "keepalived.conf.IPv6:27: helo_name has no drcheck equivalent: ignored (drcheck sends no HELO: it "
                    + "reads the greeting)"
            ])
        #expect(
            KeepalivedImporter.yaml(config).contains(
                "      # keepalived's SMTP_CHECK reads the 220 greeting, then sends HELO and expects 250; drcheck reads "
                    + "the greeting (a client that speaks first trips an SMTP server's early-talker defence)\n"
                    + "      expect: \"^220 \"\n"))
        #expect(
            KeepalivedImporter.ipvsadmRules(config)
                == "-A -t [ae00::1]:80 -s rr -p 50\n-a -t [ae00::1]:80 -r [ae00::10]:25 -m -w 1\n")
    }

    @Test func aPingCheckedUDPServiceIsLeftOutWithItsServerInAComment() throws {
        let config = try translated("keepalived.conf.PING_CHECK")
        #expect(try KeepalivedFixture.parsed(config).services.isEmpty)
        let yaml = KeepalivedImporter.yaml(config)
        #expect(yaml.contains("services: []\n"))
        #expect(
            yaml.contains(
                "      # drcheck cannot judge this check: PING_CHECK (an ICMP echo)\n"
                    + "      # - address: \"192.168.200.6:1358\"\n        # weight: 1\n"))
        #expect(
            warnings(config) == [
                "keepalived.conf.PING_CHECK:23: drcheck cannot judge this check: PING_CHECK (an ICMP echo)"
            ])
        #expect(
            KeepalivedImporter.ipvsadmRules(config)
                == "-A -u 10.10.10.2:1358 -s rr -p 50\n-a -u 10.10.10.2:1358 -r 192.168.200.6:1358 -m -w 1\n")
    }
}
