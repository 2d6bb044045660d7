import Foundation
import Primitives
import Synchronization
import Testing

@testable import Exporter
@testable import Presentation

@Suite struct StatusTests {
    @Test func tableShowsEveryServerAtAGlance() {
        #expect(
            StatusTable.render(StatusFixtures.document) == """
                drcheck 0.1.0 (pid 4242), up 10m, ready, config /etc/drcheck/drcheck.yaml, loaded 10m ago
                SERVICE  REAL SERVER        STATE  WEIGHT  CONFIGURED  CONNS  RESULT   LATENCY  CHANGED    DETAIL
                web      203.0.113.21:8000  up          1           1    3/7  ok         1.2ms  9m50s ago
                         203.0.113.22:8000  down        0           5      -  timeout     1.0s  3m ago     no answer within 1s

                """)
    }

    @Test func tableFlagsPanicFailedReloadDryRunAndMissingValues() {
        var document = StatusFixtures.document
        document.agent.ready = false
        document.agent.dryRun = true
        document.agent.lastReloadSucceeded = false
        document.agent.configFile = nil
        document.services[0].panic = true
        document.services[0].realServers = [
            .init(
                address: "203.0.113.23:8000", state: "unknown", healthy: false, kernelWeight: nil,
                configuredWeight: 1, lastResult: nil, lastDetail: nil, latencySeconds: nil, lastProbeAt: nil,
                lastChangeAt: nil)
        ]
        document.services.append(
            .init(name: "empty", address: "fwmark:5", protocol: "tcp", panic: false, realServers: []))
        #expect(
            StatusTable.render(document) == """
                drcheck 0.1.0 (pid 4242), up 10m, not ready (not every server probed yet), dry run, LAST RELOAD FAILED (old config still running)
                SERVICE      REAL SERVER        STATE    WEIGHT  CONFIGURED  CONNS  RESULT  LATENCY  CHANGED  DETAIL
                web [panic]  203.0.113.23:8000  unknown       -           1      -  -             -  -
                empty        (no real servers)

                """)
    }

    @Test func aDrainSaysWhoWhyWhenAndWhetherConnectionsAreLeft() {
        var document = StatusFixtures.document
        document.services[0].realServers[0].state = "admin_drained"
        document.services[0].realServers[0].drain = .init(
            reason: "deploy 4.2", by: "alice", at: 1_764_072_480, empty: false)
        document.services[0].realServers[1].drain = .init(reason: "disk", by: "bob", at: 1_764_071_000, empty: true)
        let lines = StatusTable.render(document).split(separator: "\n")
        #expect(
            lines[2].hasSuffix(
                "admin_drained       1           1    3/7  ok         1.2ms  9m50s ago  drained by alice 2m ago: deploy 4.2, connections left"
            ))
        #expect(lines[3].hasSuffix("drained by bob 26m40s ago: disk, empty"))
        #expect(try! StatusDocument(json: document.json()) == document)
        #expect(
            String(decoding: document.json(), as: UTF8.self).contains(
                #""drain":{"at":1764071000,"by":"bob","empty":true,"reason":"disk"}"#))
    }

    @Test func peersVerdictsStandBesideThisDirectorsAndAFlappingServerSaysForHowLong() throws {
        var document = StatusFixtures.document
        document.services[0].realServers[0].peerVerdicts = ["198.51.100.4:9469": "down", "198.51.100.5:9469": "up"]
        document.services[0].realServers[1].peerVerdicts = [:]
        document.services[0].realServers[1].state = "suppressed"
        document.services[0].realServers[1].flapPenalty = 4.2137
        document.services[0].realServers[1].suppressedUntil = document.agent.generatedAt + 58.5
        let lines = StatusTable.render(document).split(separator: "\n")
        #expect(lines[1].contains("CHANGED    PEERS"))
        #expect(lines[2].contains("9m50s ago  198.51.100.4:9469 down, 198.51.100.5:9469 up"))
        #expect(lines[3].contains("suppressed"))
        // The PEERS column (45 wide) shows "-" for a server no peer has a verdict on.
        #expect(
            lines[3].hasSuffix(
                " -" + String(repeating: " ", count: 45)
                    + "flapping, penalty 4.21: held drained for 58s more unless it flaps on"))
        let json = String(decoding: document.json(), as: UTF8.self)
        #expect(json.contains(#""peer_verdicts":{"198.51.100.4:9469":"down","198.51.100.5:9469":"up"}"#))
        #expect(json.contains(#""flap_penalty":4.2137"#))
        #expect(try StatusDocument(json: document.json()) == document)
    }

    @Test func durationsAndLatenciesReadLikePrometheus() {
        #expect(StatusTable.age(0.4) == "0s")
        #expect(StatusTable.age(45) == "45s")
        #expect(StatusTable.age(3600 + 180 + 5) == "1h3m")
        #expect(StatusTable.age(2 * 86400 + 3600) == "2d1h")
        #expect(StatusTable.age(-5) == "0s")
        #expect(StatusTable.latency(0.00049) == "0.5ms")
        #expect(StatusTable.latency(0.25) == "250ms")
        #expect(StatusTable.latency(2.345) == "2.35s")
    }

    @Test func documentRoundTripsThroughSnakeCaseJSON() throws {
        let json = StatusFixtures.document.json()
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.hasPrefix(#"{"agent":{"config_file":"/etc/drcheck/drcheck.yaml","#))
        #expect(text.contains(#""last_change_at":1764072010"#))
        #expect(text.contains(#""real_servers":["#))
        #expect(text.hasSuffix("}]}\n"))
        #expect(try StatusDocument(json: json) == StatusFixtures.document)
    }

    @Test func invalidJSONIsAOneLineError() {
        do {
            _ = try StatusDocument(json: Array(#"{"agent": 1}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("the daemon's status is not valid: "))
        }
    }

    @Test func clientFetchesTheStatusFromTheServer() throws {
        let harness = try ServerHarness()
        let address = harness.server.address
        let result = Mutex<Result<[UInt8], StatusClient.Failure>?>(nil)
        // The client blocks, so it runs on its own thread while this one runs the server's loop.
        let thread = Thread {
            let answer = Result { () throws(StatusClient.Failure) in try StatusClient.get("/status", from: address) }
            result.withLock { $0 = answer }
        }
        thread.start()
        harness.pump(for: .seconds(10)) { result.withLock { $0 != nil } }
        let body = try #require(try result.withLock { $0 }?.get())
        #expect(try StatusDocument(json: body) == StatusFixtures.document)
    }

    @Test func clientSaysTheDaemonIsNotRunning() throws {
        let harness = try ServerHarness()
        let address = harness.server.address
        harness.server.close()
        #expect(throws: StatusClient.Failure.self) { try StatusClient.get("/status", from: address) }
        do {
            _ = try StatusClient.get("/status", from: address)
        } catch {
            guard case .notRunning(let text) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(text == "drcheck is not running at \(address) (nothing listens there)")
        }
    }
}
