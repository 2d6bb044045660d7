import Agent
import Exporter
import Primitives
import Testing

@testable import Daemon
@testable import Probe

/// How the results of a discovered service's HTTP check count while drcheck learns what the service speaks.
struct ServiceProtocolsTests {
    static let smtp = ServiceKey.virtual(Endpoint("198.51.100.33:2525")!, .tcp)
    static let web = ServiceKey.virtual(Endpoint("198.51.100.33:8000")!, .tcp)

    static func result(_ probeClass: ProbeClass, _ answer: ProbeAnswer, status: Int? = nil) -> ProbeResult {
        ProbeResult(
            probeClass, duration: .milliseconds(3), status: status, detail: probeClass == .ok ? "" : "why",
            answer: answer)
    }

    @Test func aBannerTurnsTheServiceToConnectingAndPasses() {
        var protocols = ServiceProtocols()
        let (reading, turned) = protocols.read(Self.result(.protocolError, .other), of: Self.smtp)
        #expect(reading == .connected)
        #expect(turned)
        #expect(protocols.connectOnly == [Self.smtp])
        #expect(protocols.learnt[Self.smtp] == .other("why"))
        // Told once; from then on a probe that connected passes and one that did not fails.
        #expect(protocols.read(Self.result(.protocolError, .other), of: Self.smtp) == (.connected, false))
        #expect(protocols.read(Self.result(.ok, .connected), of: Self.smtp) == (.connected, false))
        #expect(protocols.read(Self.result(.connectRefused, .none), of: Self.smtp) == (.asProbed, false))
        #expect(protocols.read(Self.result(.timeout, .none), of: Self.smtp) == (.asProbed, false))
        // An HTTP probe begun before the switch and ended after it.
        #expect(protocols.read(Self.result(.protocolError, .other), of: Self.smtp) == (.connected, false))
    }

    @Test func beforeAnyAnswerOnlyAFailedConnectCounts() {
        var protocols = ServiceProtocols()
        for probeClass in [ProbeClass.protocolError, .reset, .timeout, .tlsError] {
            #expect(protocols.read(Self.result(probeClass, .connected), of: Self.web) == (.inconclusive, false))
        }
        #expect(protocols.read(Self.result(.connectRefused, .none), of: Self.web) == (.asProbed, false))
        #expect(protocols.learnt.isEmpty)
    }

    @Test func anHTTPAnswerMakesTheHTTPCheckJudgeEverything() {
        var protocols = ServiceProtocols()
        #expect(protocols.read(Self.result(.httpStatus, .http, status: 500), of: Self.web) == (.asProbed, false))
        #expect(protocols.learnt[Self.web] == .http)
        // A server of an HTTP service that answers garbage, closes or hangs is failing.
        #expect(protocols.read(Self.result(.protocolError, .other), of: Self.web) == (.asProbed, false))
        #expect(protocols.read(Self.result(.protocolError, .connected), of: Self.web) == (.asProbed, false))
        #expect(protocols.read(Self.result(.timeout, .connected), of: Self.web) == (.asProbed, false))
        #expect(protocols.connectOnly.isEmpty)
    }

    @Test func servicesAreLearntApartAndForgottenWhenGone() {
        var protocols = ServiceProtocols()
        _ = protocols.read(Self.result(.protocolError, .other), of: Self.smtp)
        _ = protocols.read(Self.result(.ok, .http, status: 200), of: Self.web)
        #expect(protocols.connectOnly == [Self.smtp])
        protocols.forget(Self.smtp)
        #expect(protocols.connectOnly.isEmpty)
        #expect(protocols.read(Self.result(.protocolError, .connected), of: Self.smtp) == (.inconclusive, false))
    }

    @Test func aPassJudgesAServiceInHTTPWhenAnyOfItsServersAnsweredInHTTP() throws {
        let rs1 = ServerID(service: Self.web, server: Endpoint("203.0.113.21:8000")!)
        let rs2 = ServerID(service: Self.web, server: Endpoint("203.0.113.22:8000")!)
        let mail1 = ServerID(service: Self.smtp, server: Endpoint("203.0.113.21:2525")!)
        let mail2 = ServerID(service: Self.smtp, server: Endpoint("203.0.113.22:2525")!)
        let listed = ServerID(service: Self.web, server: Endpoint("203.0.113.23:8000")!)
        var targets: [ServerID: ProbeTarget] = [:]
        for id in [rs1, rs2, mail1, mail2, listed] {
            targets[id] = try ProbeTarget(
                id: id, labels: ServerLabels(service: id.service.label, realServer: id.server.description),
                intervals: CheckIntervals(steady: .seconds(1)), fall: 3,
                check: .network(NetworkCheck(address: id.server.address, port: id.server.port)),
                learnsProtocol: id != listed)
        }
        // rs1 sorts first but garbles; rs2's 200 shows the service speaks HTTP, so rs1's garbage fails.
        let results: [ServerID: ProbeResult] = [
            rs1: Self.result(.protocolError, .other), rs2: Self.result(.ok, .http, status: 200),
            mail1: Self.result(.protocolError, .other), mail2: Self.result(.connectRefused, .none),
            listed: Self.result(.protocolError, .connected),
        ]
        let (verdicts, notes) = ServiceProtocols.verdicts(results, targets: targets)
        #expect(verdicts[rs1] == .failure("protocol_error"))
        #expect(verdicts[rs2] == .success)
        #expect(verdicts[mail1] == .success)
        #expect(verdicts[mail2] == .failure("connect_refused"))
        #expect(verdicts[listed] == .failure("protocol_error"))
        #expect(
            notes == [
                "198.51.100.33:2525 (tcp): answers in another protocol than HTTP (why): checked by connecting; "
                    + "list it with a check of its own to judge more"
            ])
    }
}
