import Exporter
import Primitives
import Probe
import Testing

@testable import Daemon

/// `peers` through the daemon, on virtual time: a peer's /verdicts read every 2 s through the engine, a lasting
/// disagreement logged and exported, the peer's verdicts in /status, a peer that cannot be read compared with nothing
/// and never a weight changed for it.
@Suite struct PeerWiringTests {
    typealias Lab = DaemonHarness
    static let peer = "198.51.100.4:9469"

    static func verdicts(_ up: Bool) -> ProbeResult {
        var result = ProbeResult(.ok, duration: .milliseconds(2), status: 200)
        result.body = PeerVerdicts.text(
            [11, 12].map { (PeerVerdicts.Server(service: Lab.service, server: Lab.server($0)), up) })
        return result
    }

    @Test func aServerDownHereAndUpAtThePeerIsADisagreementAndAnUnreadPeerChangesNothing() throws {
        let lab = try Lab(
            check: "interval: 1s, timeout: 500ms, fall: 1, rise: 1, mode: rip", servers: [11, 12],
            top: "peers: [\"\(Self.peer)\"]")
        var peerAnswer = Self.verdicts(true)
        lab.engine.answer = { check in
            if check.path == "/verdicts" { return peerAnswer }
            return check.address == IPAddress("203.0.113.11")
                ? ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
                : ProbeResult(.ok, duration: .milliseconds(1), status: 200)
        }
        try lab.advance(by: .seconds(3))
        #expect(lab.ipvs.writes.map(\.weight) == [0])
        #expect(lab.metric(#"drcheck_peer_up{peer="\#(Self.peer)"}"#) == "1.0")
        let series =
            #"drcheck_peer_disagreement{service="198.51.100.10:80",real_server="203.0.113.11:80",peer="\#(Self.peer)"}"#
        #expect(lab.metric(series) == nil)
        _ = lab.log.take()
        try lab.advance(by: .seconds(10))
        #expect(lab.metric(series) == "1.0")
        #expect(
            lab.log.take().contains(
                "<4>198.51.100.10:80/tcp 203.0.113.11:80: down here, up at peer \(Self.peer) for 10s or more: one "
                    + "director's path to it, or the server behind it (drcheck diagnose on each)"))
        let servers = try #require(lab.daemon.statusDocument().services.first?.realServers)
        #expect(servers.map(\.peerVerdicts) == [[Self.peer: "up"], [Self.peer: "up"]])
        // The daemon's own verdicts, as its peers read them.
        #expect(
            String(decoding: lab.daemon.endpoints.verdicts(), as: UTF8.self)
                == "# drcheck verdicts 1\n198.51.100.10:80/tcp 203.0.113.11:80 down\n"
                + "198.51.100.10:80/tcp 203.0.113.12:80 up\n")

        peerAnswer = ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused")
        try lab.advance(by: .seconds(3))
        #expect(lab.metric(#"drcheck_peer_up{peer="\#(Self.peer)"}"#) == "0.0")
        #expect(lab.metric(series) == nil)
        let lines = lab.log.take()
        #expect(
            lines.contains(
                "<4>peer \(Self.peer): its verdicts cannot be read (connect_refused); compared with nothing "
                    + "until they can, and no weight depends on them"))
        #expect(lines.filter { $0.contains("cannot be read") }.count == 1)
        #expect(lab.ipvs.writes.map(\.weight) == [0])
        #expect(lab.daemon.statusDocument().services.first?.realServers.first?.peerVerdicts == [:])
    }
}
