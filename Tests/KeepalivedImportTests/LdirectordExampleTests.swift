import Agent
import Foundation
import Primitives
import Testing

@testable import KeepalivedImport

/// ldirectord's own example configuration (its Debian package's examples/ldirectord.cf, unpacked by
/// Packaging/install-deps.sh): as shipped, and with every example section in it uncommented (twenty virtual services:
/// http, https, ftp, smtp, pop, imap, ldap, nntp, dns, databases, ping, radius, sip, IPv6). Each imports into a config
/// drcheck loads, with a FILE:LINE warning for whatever is not carried over and rules that make each service once.
struct LdirectordExampleTests {
    static let example = "/var/cache/drcheck/corpus/ldirectord/usr/share/doc/ldirectord/examples/ldirectord.cf"
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    /// The example with its commented-out sections uncommented: `#virtual...` lines and their `#<TAB>` settings (a
    /// setting commented inside a section stays commented).
    static func uncommented(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("#virtual") || line.hasPrefix("#\t") ? String(line.dropFirst()) : String(line)
        }.joined(separator: "\n")
    }

    @Test func theExampleAsShippedImportsItsOneService() throws {
        let config = try LdirectordImporter.translate(file: Self.example)
        let parsed = try KeepalivedFixture.parsed(config)
        #expect(parsed.services.map(\.key.description) == ["192.168.6.240:80/tcp"])
        #expect(parsed.services[0].check.host == "www.x.y.z")
        #expect(parsed.services[0].check.expectBody == "Test Page")
        #expect(parsed.services[0].sorryServer?.address == IPAddress("127.0.0.1"))
        #expect(config.warnings.map(\.message) == ["autoreload = yes: no drcheck equivalent, ignored"])
    }

    @Test func everyExampleSectionImportsIntoAConfigDrcheckLoads() throws {
        let text = Self.uncommented(try String(contentsOfFile: Self.example, encoding: .utf8))
        let file = try fixture.write("ldirectord-all.cf", text)
        let config = try LdirectordImporter.translate(file: file)
        let virtuals = text.split(separator: "\n").filter { $0.hasPrefix("virtual") }
        #expect(virtuals.count == 20)
        let parsed = try KeepalivedFixture.parsed(config)
        // Every section is a service, listed or commented out with its reason; the second 192.168.6.240:80 is left
        // out as a duplicate.
        #expect(config.services.count + config.notes.filter { $0.contains("not translated") }.count == 20)
        #expect(parsed.services.count == config.services.filter(\.listed).count)
        #expect(Set(parsed.services.map(\.key)).count == parsed.services.count)
        #expect(
            config.services.contains { $0.notes.contains("192.168.6.240:80/tcp is already listed above: left out") })
        // Nothing lost in silence: each warning names its line in the file.
        #expect(config.warnings.count >= 30)
        #expect(config.warnings.allSatisfy { $0.description.hasPrefix("\(file):") })
        for needle in [
            "service = ftp: drcheck checks by connecting, not by the protocol",
            "checktype = ping: an ICMP ping; drcheck cannot judge it",
            "passwd = \"genericpassword\": no drcheck equivalent, ignored",
            "fallback 127.0.0.1:143 is also a real server: kept as one, no sorry server",
        ] {
            #expect(config.warnings.contains { $0.message == needle }, "\(needle)")
        }
        // The IPv6 service keeps its fallback6 as its sorry server.
        let nntp6 = try #require(parsed.services.first { $0.key.description == "[2001:db8::5]:119/tcp" })
        #expect(nntp6.sorryServer?.address == IPAddress("::1"))
        // ipvsadm -R makes each service, and each destination of a service, once.
        let rules = KeepalivedImporter.ipvsadmRules(config).split(separator: "\n")
        #expect(rules.count == Set(rules).count)
        #expect(rules.filter { $0.hasPrefix("-A ") }.count == 19)
    }
}
