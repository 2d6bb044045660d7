import Agent
import IPVS
import Primitives
import Testing

@testable import Daemon
@testable import Probe

/// An https check in dr mode connects to the VIP (DR path) or the RIP, and verifies the certificate for the name
/// in the URL: the configured host (CURLOPT_CONNECT_TO sends the connection to the address), else the VIP.
struct ProbeTargetTLSTests {
    static let caFile = "/etc/drcheck/internal-ca.pem"

    /// The target for real server 127.0.0.2 (reached from 127.0.0.1 on lo) of https service 198.51.100.33:443.
    func target(host: String?) throws -> ProbeTarget {
        var settings = CheckSettings()
        settings.scheme = .https
        settings.host = host
        settings.tlsCAFile = Self.caFile
        return try Self.target(settings, vip: Endpoint("198.51.100.33:443")!, server: Endpoint("127.0.0.2:443")!)
    }

    /// The target a service at `vip` checked with `settings` has for `server`, a DR destination.
    static func target(_ settings: CheckSettings, vip: Endpoint, transport: TransportProtocol = .tcp, server: Endpoint)
        throws -> ProbeTarget
    {
        let key = ServiceKey.virtual(vip, transport)
        var config = Config()
        config.services = [ServiceConfig(name: nil, key: key, check: settings, realServers: [])]
        let builder = TargetBuilder(config: config, interfaces: .current(), drRefused: false)
        var marks = ProbeMarks(range: config.probeMarks)
        let (target, note) = try builder.target(
            ServerID(service: key, server: server), service: Service(key: key, scheduler: "rr"),
            destination: Destination(address: server.address, port: server.port, forwarding: .route, weight: 1),
            marks: &marks)
        #expect(note == nil)
        return target
    }

    @Test func theConfiguredHostIsTheNameVerifiedOnBothPaths() throws {
        let target = try target(host: "www.example.com")
        #expect(target.check.network?.url == "https://www.example.com:443/")
        #expect(target.check.network?.connectTo == "www.example.com:443:198.51.100.33:443")
        #expect(target.check.network?.mark == 0x4452_0000)
        #expect(target.check.network?.tlsCAFile == Self.caFile)
        #expect(target.ripCheck?.url == "https://www.example.com:443/")
        #expect(target.ripCheck?.connectTo == "www.example.com:443:127.0.0.2:443")
        #expect(target.ripCheck?.tlsCAFile == Self.caFile)
    }

    @Test func withoutAHostTheVIPIsTheNameVerifiedOnBothPaths() throws {
        let target = try target(host: nil)
        #expect(target.check.network?.url == "https://198.51.100.33:443/")
        #expect(target.check.network?.connectTo == nil)
        #expect(target.ripCheck?.url == "https://198.51.100.33:443/")
        #expect(target.ripCheck?.connectTo == "198.51.100.33:443:127.0.0.2:443")
    }
}

extension TargetCheck {
    var network: NetworkCheck? { if case .network(let check) = self { check } else { nil } }
    var command: CommandCheck? { if case .command(let check) = self { check } else { nil } }
}
