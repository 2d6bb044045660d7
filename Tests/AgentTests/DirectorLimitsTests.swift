import Primitives
import Testing

@testable import Agent

/// The director's limits against what a table of real servers asks of them: each rule at, past and near its limit.
struct DirectorLimitsTests {
    private func limits(
        neighbours: (Int, Int, Int)? = (128, 512, 1024), conntrack: (max: Int, count: Int)? = nil,
        ports: ClosedRange<Int>? = 32768...60999, openFiles: Int? = 65536
    ) -> DirectorLimits {
        var limits = DirectorLimits()
        if let neighbours {
            limits.neighbours[.ipv4] = .init(keep: neighbours.0, soft: neighbours.1, hard: neighbours.2)
        }
        limits.conntrackMax = conntrack?.max
        limits.conntrackCount = conntrack?.count
        limits.localPorts = ports
        limits.openFiles = openFiles
        return limits
    }

    private func load(onLink: Int = 0, rate: Double = 0, toOneVIP: Double = 0, timeout: Double = 1) -> DirectorLoad {
        var load = DirectorLoad()
        load.onLink[.ipv4] = onLink
        load.probesPerSecond = rate
        load.drProbesPerSecondToOneVIP = toOneVIP
        load.longestTimeout = timeout
        return load
    }

    @Test func onLinkServersPastGcThresh3AreTheDirectorsFault() throws {
        let finding = try #require(limits().findings(for: load(onLink: 2000, rate: 2000)).first)
        #expect(finding.severity == .exceeded)
        #expect(
            finding.text
                == "2000 real server(s) on the director's own IPv4 subnets, each needing a neighbour entry, against "
                + "gc_thresh2 512 and gc_thresh3 1024: past gc_thresh3 the director cannot resolve the others, so "
                + "neither IPVS's forwarding nor the probes reach them")
        #expect(
            finding.fix
                == "sysctl -w net.ipv4.neigh.default.gc_thresh1=2000 net.ipv4.neigh.default.gc_thresh2=3048 "
                + "net.ipv4.neigh.default.gc_thresh3=4096")
    }

    @Test func betweenGcThresh2And3IsNearAndBelowIsWithin() {
        #expect(limits().findings(for: load(onLink: 600)).first?.severity == .near)
        #expect(limits().findings(for: load(onLink: 512)).first?.severity == .within)
        // The fix keeps thresh1 < thresh2 < thresh3, with room above the need.
        #expect(
            limits().findings(for: load(onLink: 600)).first?.fix
                == "sysctl -w net.ipv4.neigh.default.gc_thresh1=600 net.ipv4.neigh.default.gc_thresh2=1324 "
                + "net.ipv4.neigh.default.gc_thresh3=2048")
    }

    @Test func thresholdsNotVisibleHereAreSaidSo() {
        let finding = limits(neighbours: nil).findings(for: load(onLink: 1200)).first
        #expect(finding?.severity == .near)
        #expect(finding?.fix == nil)
        #expect(finding?.text.hasSuffix("check net.ipv4.neigh.default.gc_thresh3 on the host") == true)
    }

    @Test func conntrackCountsTheProbesEntriesAfterTheirClose() {
        let full = limits(conntrack: (max: 20_000, count: 5_000)).findings(for: load(rate: 2000))
        // 2,000 probes a second at a 1 s timeout is also more than 256 in flight: a note on descriptors.
        #expect(full.map(\.severity) == [.exceeded, .near])
        #expect(
            full.first?.text.hasPrefix("conntrack: 5000 entries now and about 20000 for the probes (2000 a second")
                == true)
        #expect(full.first?.fix == "sysctl -w net.netfilter.nf_conntrack_max=50176")
        #expect(limits(conntrack: (max: 262_144, count: 0)).findings(for: load(rate: 2000)).first?.severity == .within)
        // Not loaded: no finding of it.
        #expect(limits().findings(for: load(rate: 2000)).count == 1)
    }

    @Test func localPortsAgainstDRProbesToOneVIP() {
        let ports = limits(ports: 60000...60999).findings(for: load(toOneVIP: 2000, timeout: 1))
        #expect(ports.map(\.severity) == [.exceeded, .within])
        #expect(ports.first?.text.hasPrefix("local ports: at most 2000 held at once by DR-path probes") == true)
        #expect(limits().findings(for: load(toOneVIP: 2000, timeout: 1)).first?.severity == .within)
    }

    @Test func descriptorsAgainstProbesInFlight() {
        var lowered = load(rate: 2000, timeout: 1)
        lowered.maxProbesInFlight = 400
        lowered.configuredProbesInFlight = 1000
        let finding = limits(ports: nil, openFiles: 1024).findings(for: lowered).last
        #expect(finding?.severity == .near)
        #expect(
            finding?.text
                == "descriptors: 400 probes in flight at most (open-file limit 1024); at worst, every probe running "
                + "to its timeout, 2000; max_probes_in_flight 1000 was lowered to fit the limit: rounds would wait "
                + "(drift, never a drain)")
        #expect(limits(ports: nil).findings(for: load(rate: 100, timeout: 1)).last?.severity == .within)
    }
}
