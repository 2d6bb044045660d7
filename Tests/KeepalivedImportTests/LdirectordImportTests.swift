import Agent
import Primitives
import Testing

@testable import KeepalivedImport

/// `drcheck config import ldirectord`: ldirectord.cf's virtual sections as drcheck services, with ldirectord's
/// defaults, its table as ipvsadm rules, and a warning for whatever is not carried over.
struct LdirectordImportTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    func importing(_ text: String) throws -> ImportedConfig {
        try LdirectordImporter.translate(file: try fixture.write("ldirectord.cf", text))
    }

    static let sample = """
        # Global Directives
        checktimeout=3
        checkinterval=5
        autoreload=yes
        quiescent=yes
        maintenancedir=/etc/ha.d/maintenance

        # A virtual with a fallback
        virtual=198.51.100.33:80
        \treal=203.0.113.21:80 gate
        \treal=203.0.113.22:80 gate 5
        \tfallback=203.0.113.9:80 gate
        \tservice=http
        \trequest="index.html"
        \treceive="Test Page"
        \tvirtualhost=www.example.com
        \tscheduler=rr
        \tpersistent=600
        \tchecktype=negotiate

        virtual=198.51.100.34:22
        \treal=203.0.113.21->203.0.113.23:22 masq
        \tchecktype=connect
        \tfailurecount=3

        virtual=198.51.100.35:53
        \treal=203.0.113.21:53 gate
        \tservice=dns
        \trequest="example.com"

        virtual=198.51.100.36:443
            real=203.0.113.21:443 gate
            checktype=ping

        virtual=7
            real=203.0.113.21 gate
            checktype=external
            checkcommand="/bin/echo web"
            checkport=8080
        """

    @Test func aSampleTranslatesWithLdirectordsDefaults() throws {
        let config = try importing(Self.sample)
        let services = try KeepalivedFixture.parsed(config).services
        #expect(services.map(\.label) == ["198.51.100.33:80", "198.51.100.34:22", "198.51.100.35:53", "fwmark:7"])
        let web = services[0]
        #expect(web.check.type == .http)
        #expect(web.check.path == "/index.html")
        #expect(web.check.expectBody == "Test Page")
        #expect(web.check.host == "www.example.com")
        #expect(web.check.interval == .seconds(5))
        #expect(web.check.timeout == .seconds(3))
        #expect((web.check.rise, web.check.fall, web.check.mode) == (1, 1, .dr))
        #expect(web.realServers.map(\.weight) == [1, 5])
        #expect(web.sorryServer?.address == IPAddress("203.0.113.9"))
        let ssh = services[1]
        #expect((ssh.check.type, ssh.check.fall, ssh.check.mode) == (.tcp, 3, .rip))
        #expect(ssh.realServers.map(\.address.description) == ["203.0.113.21", "203.0.113.22", "203.0.113.23"])
        let dns = services[2]
        #expect(dns.key == ServiceKey("198.51.100.35:53/udp"))
        #expect((dns.check.type, dns.check.queryName, dns.check.queryType) == (.dns, "example.com", .a))
        let external = services[3]
        #expect(external.check.type == .exec)
        #expect(
            external.check.command == [
                "/bin/echo", "web", "${DRCHECK_FWMARK}", "${DRCHECK_VPORT}", "${DRCHECK_RIP}",
                "${DRCHECK_RPORT}",
            ])
        #expect(
            KeepalivedImporter.ipvsadmRules(config) == """
                -A -t 198.51.100.33:80 -s rr -p 600
                -a -t 198.51.100.33:80 -r 203.0.113.21:80 -g -w 1
                -a -t 198.51.100.33:80 -r 203.0.113.22:80 -g -w 5
                -a -t 198.51.100.33:80 -r 203.0.113.9:80 -g -w 0
                -A -t 198.51.100.34:22 -s wrr
                -a -t 198.51.100.34:22 -r 203.0.113.21:22 -m -w 1
                -a -t 198.51.100.34:22 -r 203.0.113.22:22 -m -w 1
                -a -t 198.51.100.34:22 -r 203.0.113.23:22 -m -w 1
                -A -u 198.51.100.35:53 -s wrr
                -a -u 198.51.100.35:53 -r 203.0.113.21:53 -g -w 1
                -A -t 198.51.100.36:443 -s wrr
                -a -t 198.51.100.36:443 -r 203.0.113.21:443 -g -w 1
                -A -f 7 -s wrr
                -a -f 7 -r 203.0.113.21 -g -w 1

                """)
        #expect(
            fixture.warnings(config) == [
                "ldirectord.cf:4: autoreload = yes: no drcheck equivalent, ignored",
                "ldirectord.cf:6: maintenancedir: drcheck drain SERVICE SERVER takes a server out instead",
                "ldirectord.cf:33: checktype = ping: an ICMP ping; drcheck cannot judge it",
            ])
        // The ping service is written commented out: with discover: false drcheck leaves its weights alone.
        #expect(KeepalivedImporter.yaml(config).contains("  # - vip: \"198.51.100.36:443\"\n"))
    }

    @Test func whatIsNoLdirectordConfigurationIsOneLine() throws {
        func error(_ text: String) -> String {
            do {
                _ = try importing(text)
                return "no error"
            } catch {
                return "\(error)".replacing(fixture.directory + "/", with: "")
            }
        }
        #expect(
            error("virtual_server 10.0.0.1 80 {\n}\n")
                == "ldirectord.cf:1: not a key = value line: virtual_server 10.0.0.1 80 {")
        #expect(
            error("# nothing\n\n") == "ldirectord.cf: not an ldirectord configuration: no virtual= line and no setting")
        #expect(error("virtual=1.2.3.4:80\n\u{0}") == "ldirectord.cf: not an ldirectord configuration: binary data")
        let config = try importing("virtual=www.example.com:80\n    real=203.0.113.21:80 gate\n")
        #expect(config.services.isEmpty)
        #expect(
            fixture.warnings(config) == [
                "ldirectord.cf:1: virtual=www.example.com:80: not ADDRESS:PORT or a firewall mark (a host name is not "
                    + "resolved here): not translated"
            ])
    }

    @Test func aRealServersOwnRequestIsItsOwnCheck() throws {
        let config = try importing(
            """
            virtual=198.51.100.33:80
                service=http
                request="/health"
                real=203.0.113.21:80 gate 2 "/alive", "ok"
                real=203.0.113.22:80 gate
                real=203.0.113.23:80 gate 1 "<l:10>"
            """)
        #expect(
            fixture.warnings(config) == [
                "ldirectord.cf:6: real=203.0.113.23:80: \"<l:10>\": connection thresholds are not carried over, left out"
            ])
        let service = try KeepalivedFixture.parsed(config).services[0]
        #expect(service.check.path == "/health")
        #expect(service.realServers[0].weight == 2)
        #expect(service.realServers[0].check?.path == "/alive")
        #expect(service.realServers[0].check?.expectBody == "ok")
        #expect(service.realServers[1].check == nil)
    }
}
