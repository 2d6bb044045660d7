import FoundationEssentials
import Primitives
import Testing

@testable import Agent

/// The state file is written by `PrettyJSON`, not JSONEncoder: its bytes must be what JSONEncoder's pretty, sorted
/// output of the same state gives (the form earlier versions wrote and readers may parse), and read back equal.
struct StateJSONTests {
    /// The state as JSONEncoder wrote it before: sorted entries of service, server and record.
    private struct EncoderForm: Encodable {
        struct Entry: Encodable {
            var service: ServiceKey
            var server: Endpoint
            var record: ServerRecord
        }
        var version: Int
        var servers: [Entry]
    }

    private func encoderBytes(_ state: AgentState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let form = EncoderForm(
            version: state.version,
            servers: state.servers.sorted { $0.key < $1.key }.map {
                .init(service: $0.key.service, server: $0.key.server, record: $0.value)
            })
        return Array(try encoder.encode(form)) + [UInt8(ascii: "\n")]
    }

    /// Records with every optional member set or not, text that needs escaping, and both families.
    private func state(servers: Int, seed: UInt64) -> AgentState {
        var random = seed
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(random >> 33) % bound
        }
        let texts = ["timeout", "a/b \"quoted\"\t\\", "line\nfeed\r\u{1}\u{1f}", "é ✓", ""]
        var state = AgentState()
        for i in 0..<servers {
            var record = ServerRecord(weight: next(101), up: next(2) == 0)
            if next(2) == 0 { record.configured = 1 + next(100) }
            if next(2) == 0 { record.configuredFrom = [.config, .firstSeen, .adopted][next(3)] }
            if next(2) == 0 { record.configWeight = next(100) }
            if next(2) == 0 { record.drainedBy = next(2) == 0 ? .drcheck : .operator }
            if next(2) == 0 { record.downClass = texts[next(texts.count)] }
            record.successes = next(5)
            record.failures = next(5)
            record.ramping = next(2) == 0
            if next(3) == 0 {
                let at = [1_765_000_000, 1_765_000_000.25, 0.5][next(3)]
                record.maintenance = DrainNote(reason: texts[next(texts.count)], by: texts[next(texts.count)], at: at)
            }
            let service: ServiceKey =
                next(3) == 0
                ? .fwmark(UInt32(1 + next(9)), family: next(2) == 0 ? .ipv4 : .ipv6)
                : .virtual(Endpoint("198.51.100.33:\(8000 + next(4))")!, next(2) == 0 ? .tcp : .udp)
            let server =
                service.family == .ipv6
                ? Endpoint("[2001:db8::\(i + 1)]:80")! : Endpoint("203.0.113.\(1 + i % 250):\(80 + i / 250)")!
            state.servers[ServerID(service: service, server: server)] = record
        }
        return state
    }

    @Test(arguments: [0, 1, 2, 50])
    func writesWhatJSONEncoderWrote(servers: Int) throws {
        for seed in UInt64(1)...8 {
            let state = state(servers: servers, seed: seed)
            let bytes = state.json()
            #expect(bytes == (try encoderBytes(state)))
            #expect(try AgentState(json: Data(bytes)) == state)
        }
    }

    @Test func escapesWhatJSONRequires() {
        var state = AgentState()
        var record = ServerRecord(weight: 0, up: false)
        record.maintenance = DrainNote(reason: "say \"no\"\\/\n\u{7}", by: "ops", at: 1_765_000_000)
        state.servers[ServerID(service: .fwmark(5, family: .ipv4), server: Endpoint("203.0.113.21:80")!)] = record
        let text = String(decoding: state.json(), as: UTF8.self)
        #expect(text.contains(#""reason" : "say \"no\"\\\/\n\u0007""#))
        #expect(text.contains(#""at" : 1765000000,"#))
    }
}
