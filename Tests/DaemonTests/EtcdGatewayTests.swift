import EventLoop
import Foundation
import Primitives
import Probe
import Testing

@testable import Daemon

/// `EtcdGateway` against a real etcd (Debian's etcd-server, on loopback, its own data in a temporary folder), through
/// the real probe engine: a lease granted and kept alive, a put under it, a range of a prefix, and the store's errors.
@Suite(.serialized) struct EtcdGatewayTests {
    static let etcd = "/usr/bin/etcd"

    @Test func aLeaseAPutAndARangeThroughEtcdsGateway() throws {
        let port = UInt16(20_000 + getpid() % 20_000)
        let folder = NSTemporaryDirectory() + "drcheck-etcd-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.etcd)
        process.arguments = [
            "--data-dir", folder, "--listen-client-urls", "http://127.0.0.1:\(port)",
            "--advertise-client-urls", "http://127.0.0.1:\(port)", "--listen-peer-urls",
            "http://127.0.0.1:\(port + 1)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(port + 1)",
            "--initial-cluster", "default=http://127.0.0.1:\(port + 1)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        let endpoint = Endpoint("127.0.0.1:\(port)")!
        func call(_ check: NetworkCheck?) throws -> ProbeResult {
            var result: ProbeResult?
            try engine.start(try #require(check)) {
                result = $0
                loop.stop()
            }
            try loop.run()
            return try #require(result)
        }
        // etcd takes a moment to serve.
        var entries: [EtcdGateway.Entry]?
        for _ in 0..<100 where entries == nil {
            entries = try? EtcdGateway.entries(try call(EtcdGateway.keys(endpoint, prefix: "/drcheck/fleet/")))
            if entries == nil { usleep(100_000) }
        }
        #expect(entries == [])

        let lease = try EtcdGateway.granted(try call(EtcdGateway.grant(endpoint, ttl: .seconds(5))))
        #expect(Int(lease) != nil)
        try EtcdGateway.stored(
            try call(EtcdGateway.put(endpoint, key: "/drcheck/fleet/lvs1", value: Array("up\n".utf8), lease: lease)))
        try EtcdGateway.stored(
            try call(EtcdGateway.put(endpoint, key: "/drcheck/fleetX", value: Array("not ours".utf8), lease: lease)))
        // The keys of the prefix without their values (not /drcheck/fleetX), then one with its value.
        let listed = try EtcdGateway.entries(try call(EtcdGateway.keys(endpoint, prefix: "/drcheck/fleet/")))
        #expect(
            listed.map { [$0.key, String(decoding: $0.value, as: UTF8.self), $0.lease] } == [
                ["/drcheck/fleet/lvs1", "", lease]
            ])
        // The first put was the store's second revision (its first is its creation).
        #expect(listed.map(\.revision) == ["2"])
        let read = try EtcdGateway.entries(try call(EtcdGateway.get(endpoint, key: "/drcheck/fleet/lvs1")))
        #expect(read.map { String(decoding: $0.value, as: UTF8.self) } == ["up\n"])
        #expect(try EtcdGateway.keptAlive(try call(EtcdGateway.keepAlive(endpoint, lease: lease))))
        #expect(try !EtcdGateway.keptAlive(try call(EtcdGateway.keepAlive(endpoint, lease: "12345"))))
        #expect(throws: EtcdGateway.Failure(description: "etcd: etcdserver: requested lease not found")) {
            try EtcdGateway.stored(
                try call(EtcdGateway.put(endpoint, key: "/drcheck/fleet/lvs2", value: [], lease: "12345")))
        }
        // Nothing listens on the next port but one: the call's failure, classified.
        let refused = #expect(throws: EtcdGateway.Failure.self) {
            try EtcdGateway.granted(try call(EtcdGateway.grant(Endpoint("127.0.0.1:\(port + 2)")!, ttl: .seconds(5))))
        }
        #expect(refused?.description == "connect_refused")
    }
}
