import Agent
import IPVS
import Primitives
import Testing

@testable import Daemon
@testable import Probe

/// What each check type makes of a DR destination: a TCP connect through the DR path and at the RIP, or a command
/// told its server.
struct ProbeTargetTypeTests {
    @Test func aTCPCheckConnectsThroughTheDRPathAndAtTheRIP() throws {
        var settings = CheckSettings()
        settings.type = .tcp
        let target = try ProbeTargetTLSTests.target(
            settings, vip: Endpoint("198.51.100.33:25")!, server: Endpoint("127.0.0.2:25")!)
        #expect(target.check.network?.scheme == .tcp)
        #expect(target.check.network?.address == IPAddress("198.51.100.33"))
        #expect(target.check.network?.mark == 0x4452_0000)
        #expect(target.ripCheck?.scheme == .tcp)
        #expect(target.ripCheck?.address == IPAddress("127.0.0.2"))
        #expect(target.drPath?.server == IPAddress("127.0.0.2"))
    }

    @Test func anExecCheckRunsItsCommandToldOfItsServer() throws {
        var settings = CheckSettings()
        settings.type = .exec
        settings.command = ["/usr/bin/dig", "@${DRCHECK_RIP}", "-p", "${DRCHECK_RPORT}", "${DRCHECK_VIP}:x"]
        settings.dynamicWeight = true
        settings.timeout = .milliseconds(700)
        let target = try ProbeTargetTLSTests.target(
            settings, vip: Endpoint("198.51.100.33:53")!, transport: .udp, server: Endpoint("127.0.0.2:53")!)
        let command = try #require(target.check.command)
        #expect(command.argv == ["/usr/bin/dig", "@127.0.0.2", "-p", "53", "198.51.100.33:x"])
        #expect(command.timeout == .milliseconds(700))
        #expect(command.dynamicWeight)
        #expect(
            command.environment == [
                "DRCHECK_VIP": "198.51.100.33", "DRCHECK_VPORT": "53", "DRCHECK_RIP": "127.0.0.2",
                "DRCHECK_RPORT": "53", "DRCHECK_SERVICE": "198.51.100.33:53", "DRCHECK_PROTOCOL": "udp",
                "DRCHECK_FWMARK": "",
            ])
        // No DR path and no RIP follow-up: the command decides on its own.
        #expect(target.ripCheck == nil)
        #expect(target.drPath == nil)
    }

    /// A target of service `vip` with nothing listed but `discover: true`, its builder told `connectOnly`.
    private func discovered(
        _ vip: Endpoint, type: CheckType = .http, connectOnly: Set<ServiceKey> = []
    ) throws -> ProbeTarget {
        let key = ServiceKey.virtual(vip, .tcp)
        let server = Endpoint("127.0.0.2:\(vip.port)")!
        var config = Config.zeroConfig
        config.defaults.type = type
        let builder = TargetBuilder(config: config, interfaces: .current(), drRefused: false, connectOnly: connectOnly)
        var marks = ProbeMarks(range: Config().probeMarks)
        return try builder.target(
            ServerID(service: key, server: server), service: Service(key: key, scheduler: "rr"),
            destination: Destination(address: server.address, port: server.port, forwarding: .route, weight: 1),
            marks: &marks
        ).target
    }

    @Test func aDiscoveredServiceLearnsItsProtocolWithTheDefaultsHTTPCheck() throws {
        let target = try discovered(Endpoint("198.51.100.33:2525")!)
        #expect(target.learnsProtocol)
        #expect(target.check.network?.scheme == .http)
    }

    @Test func aDiscoveredServiceFoundToSpeakAnotherProtocolIsCheckedByConnecting() throws {
        let vip = Endpoint("198.51.100.33:2525")!
        let target = try discovered(vip, connectOnly: [.virtual(vip, .tcp)])
        // Still read as learnt: an HTTP probe begun before the switch may end after it.
        #expect(target.learnsProtocol)
        #expect(target.check.network?.scheme == .tcp)
        #expect(target.ripCheck?.scheme == .tcp)
    }

    @Test func tlsResumeReachesBothPathsAndKeysEachServerApart() throws {
        var settings = CheckSettings()
        settings.scheme = .https
        settings.tlsResume = .seconds(30)
        let target = try ProbeTargetTLSTests.target(
            settings, vip: Endpoint("198.51.100.33:443")!, server: Endpoint("127.0.0.2:443")!)
        #expect(target.check.network?.tlsResume == .seconds(30))
        #expect(target.ripCheck?.tlsResume == .seconds(30))
        // Through the VIP the probe mark picks the server: it is part of the key of the sessions a handle keeps.
        #expect(target.check.network?.tlsSessionKey == "https://198.51.100.33:443/ - host!127.0.0.1 1146224640")
        #expect(target.ripCheck?.tlsSessionKey == "https://198.51.100.33:443/ 198.51.100.33:443:127.0.0.2:443 - -")
    }

    @Test func discoveryWithTCPDefaultsHasNothingToLearn() throws {
        let target = try discovered(Endpoint("198.51.100.33:2525")!, type: .tcp)
        #expect(!target.learnsProtocol)
        #expect(target.check.network?.scheme == .tcp)
    }

    @Test func aListedServiceIsJudgedByItsOwnCheck() throws {
        let target = try ProbeTargetTLSTests.target(
            CheckSettings(), vip: Endpoint("198.51.100.33:2525")!, server: Endpoint("127.0.0.2:2525")!)
        #expect(!target.learnsProtocol)
        #expect(target.check.network?.scheme == .http)
    }
}
