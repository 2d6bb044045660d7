import Agent
import Exporter
import Foundation
import Primitives
import Probe
import Testing

@testable import Daemon

/// The director's limits read from a /proc/sys of the test's own, and the load a table of targets makes.
struct DirectorLimitsReadingTests {
    @Test func theKernelsNumbersAreReadAndWhatIsMissingIsNil() throws {
        let root = NSTemporaryDirectory() + "drcheck-limits-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (path, text) in [
            ("net/ipv4/neigh/default/gc_thresh1", "128\n"), ("net/ipv4/neigh/default/gc_thresh2", "512\n"),
            ("net/ipv4/neigh/default/gc_thresh3", "1024\n"), ("net/ipv4/ip_local_port_range", "32768\t60999\n"),
            ("net/netfilter/nf_conntrack_max", "65536\n"), ("net/netfilter/nf_conntrack_count", "17\n"),
        ] {
            let file = "\(root)/\(path)"
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: false, encoding: .utf8)
        }
        let limits = DirectorLimits.read(root: root, openFiles: 4096)
        #expect(limits.neighbours == [.ipv4: .init(keep: 128, soft: 512, hard: 1024)])
        #expect(limits.localPorts == 32768...60999)
        #expect(limits.conntrackMax == 65536 && limits.conntrackCount == 17)
        #expect(limits.openFiles == 4096)
        #expect(DirectorLimits.read(root: root + "/none", openFiles: nil) == DirectorLimits())
    }

    @Test func theLoadCountsOnLinkServersOnceAndDRProbesByVIP() throws {
        let interfaces = DirectorInterfaces([("eth1", IPAddress("203.0.113.1")!, 24)])
        func target(_ service: String, _ server: String, interval: Duration, dr: Bool) throws -> ProbeTarget {
            let id = ServerID(service: ServiceKey(service)!, server: Endpoint(server)!)
            let vip = id.service.vip!
            let check = try NetworkCheck(
                address: dr ? vip.address : id.server.address, port: id.server.port, timeout: .milliseconds(500))
            return ProbeTarget(
                id: id, labels: ServerLabels(service: service, realServer: server),
                intervals: CheckIntervals(steady: interval), fall: 3,
                check: .network(check),
                drPath: dr ? DRPath(mark: 7, server: id.server.address, interface: "eth1") : nil)
        }
        let targets = [
            try target("198.51.100.10:80/tcp", "203.0.113.21:80", interval: .seconds(1), dr: true),
            try target("198.51.100.10:80/tcp", "203.0.113.22:80", interval: .milliseconds(500), dr: true),
            // The same server in another service needs no second neighbour entry.
            try target("198.51.100.10:443/tcp", "203.0.113.21:443", interval: .seconds(2), dr: true),
            // Behind a router: no neighbour entry of its own.
            try target("198.51.100.10:80/tcp", "198.51.100.99:80", interval: .seconds(1), dr: false),
        ]
        let load = DirectorLoad(targets: targets, interfaces: interfaces, maxProbesInFlight: 100, configured: 256)
        #expect(load.onLink == [.ipv4: 2])
        #expect(load.probesPerSecond == 4.5)
        #expect(load.drProbesPerSecondToOneVIP == 3)
        #expect(load.longestTimeout == 0.5)
        #expect(load.maxProbesInFlight == 100 && load.configuredProbesInFlight == 256)
    }
}
