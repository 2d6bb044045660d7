import IPVS
import Primitives
import Testing

@testable import Agent
@testable import Daemon

/// The compare-then-write the daemon's turns and `--once` share.
@Suite struct WeightWriterTests {
    typealias Lab = DaemonHarness

    static func table() -> FakeIPVS {
        FakeIPVS([
            Lab.service: [11, 12].map {
                Destination(address: Lab.server($0).address, port: 80, forwarding: .route, weight: 5)
            }
        ])
    }

    @Test func writesOnlyWhatTheKernelStillHasAsTheDecisionSawIt() throws {
        let ipvs = Self.table()
        var writer = WeightWriter(ipvs: ipvs)
        ipvs.table[Lab.service]![1].weight = 3
        let drains = [11, 12, 13].map {
            WeightChange(id: Lab.id($0), from: 5, to: 0, reason: .drain("timeout"))
        }
        #expect(try drains.map { try writer.write($0) } == [WeightWriter.Outcome.written, .setByOther(3), .gone])
        #expect(ipvs.writes == [FakeIPVS.Write(service: Lab.service, server: Lab.server(11), weight: 0)])
        // Every other field of the destination is sent back as read.
        #expect(ipvs.table[Lab.service]!.map(\.weight) == [0, 3])
        #expect(writer.read[Lab.service]?.map(\.weight) == [5, 3])
    }

    @Test func aNetlinkErrorReachesTheCallerAndWritesNothing() {
        let ipvs = Self.table()
        ipvs.failingWrites = 1
        var writer = WeightWriter(ipvs: ipvs)
        #expect(throws: IPVSError.netlink(operation: "sendmsg", code: 105)) {
            try writer.write(WeightChange(id: Lab.id(11), from: 5, to: 0, reason: .drain("timeout")))
        }
        #expect(ipvs.writes.isEmpty)
        #expect(ipvs.table[Lab.service]!.map(\.weight) == [5, 5])
    }
}
