import Primitives

/// The director's own limits that a large table of real servers can outgrow, as its kernel states them; nil for one
/// that cannot be read here (the neighbour thresholds exist only in the first network namespace; conntrack's only
/// while nf_conntrack is loaded).
public struct DirectorLimits: Equatable, Sendable {
    /// `net.ipv4.neigh.default.gc_thresh1/2/3` and IPv6's: below the first the kernel never collects entries, above
    /// the second it collects those not in use after 5 s, and it never holds more than the third.
    public struct NeighbourThresholds: Equatable, Sendable {
        public var keep: Int
        public var soft: Int
        public var hard: Int

        public init(keep: Int, soft: Int, hard: Int) {
            (self.keep, self.soft, self.hard) = (keep, soft, hard)
        }
    }

    public var neighbours: [AddressFamily: NeighbourThresholds] = [:]
    /// Families whose thresholds came from rtnetlink, not sysctls: this is not the first network namespace, where
    /// alone they can be set.
    public var neighboursFromNetlink: Set<AddressFamily> = []
    public var conntrackMax: Int?
    public var conntrackCount: Int?
    /// `net.ipv4.ip_local_port_range`.
    public var localPorts: ClosedRange<Int>?
    /// The open-file limit (RLIMIT_NOFILE, soft).
    public var openFiles: Int?

    public init() {}
}

/// What the checked table asks of those limits.
public struct DirectorLoad: Equatable, Sendable {
    /// Real servers on one of the director's own subnets, by family: each needs a neighbour entry, for IPVS's DR
    /// forwarding and for the probes alike.
    public var onLink: [AddressFamily: Int] = [:]
    /// Probes a second, and the most of them to one VIP and port from one source address (dr mode), each holding a
    /// local port while it runs.
    public var probesPerSecond = 0.0
    public var drProbesPerSecondToOneVIP = 0.0
    /// The longest probe timeout, in seconds: what a probe can hold a port or a descriptor for.
    public var longestTimeout = 1.0
    /// Probes the daemon lets run at once (max_probes_in_flight after the open-file limit).
    public var maxProbesInFlight = 256
    public var configuredProbesInFlight = 256

    public init() {}
}

extension DirectorLoad {
    /// The conntrack entries the probes keep at once, each for `conntrackCloseSeconds` after its close.
    public var conntrackProbeEntries: Int { Int((probesPerSecond * DirectorLimits.conntrackCloseSeconds).rounded(.up)) }

    /// The local ports DR-path probes to one VIP and port hold at once, at worst each for its whole timeout.
    public var localPortsHeld: Int { Int((drProbesPerSecondToOneVIP * longestTimeout).rounded(.up)) }
}

/// One limit the table outgrows or comes near: what, with the numbers, and the fix.
public struct DirectorLimitFinding: Equatable, Sendable {
    public enum Severity: Equatable, Sendable {
        /// The table is past the limit: servers fail for the director's reasons.
        case exceeded
        /// Within it, but close, or not visible from here.
        case near
        case within
    }

    public var severity: Severity
    public var text: String
    public var fix: String?
}

extension DirectorLimits {
    /// How long conntrack keeps a probe's entry after its reset close (`nf_conntrack_tcp_timeout_close`, 10 s).
    static let conntrackCloseSeconds = 10.0

    /// Each limit against the load, in a fixed order: neighbours (IPv4, IPv6), conntrack, local ports, descriptors.
    public func findings(for load: DirectorLoad) -> [DirectorLimitFinding] {
        var findings: [DirectorLimitFinding] = []
        findings += AddressFamily.allCases.compactMap { neighbourFinding($0, load) }
        if let conntrackMax {
            let probes = load.conntrackProbeEntries
            let held = (conntrackCount ?? 0) + probes
            let text =
                "conntrack: \(conntrackCount ?? 0) entries now and about \(probes) for the probes (\(Self.rate(load.probesPerSecond)) "
                + "a second, each kept \(Int(Self.conntrackCloseSeconds)) s after its close) against nf_conntrack_max \(conntrackMax)"
            let fix = conntrackFix(load)
            if held > conntrackMax {
                findings.append(.init(severity: .exceeded, text: text + ": new connections are dropped", fix: fix))
            } else {
                findings.append(.init(severity: held * 5 > conntrackMax * 4 ? .near : .within, text: text, fix: fix))
            }
        }
        if let localPorts, load.drProbesPerSecondToOneVIP > 0 {
            let held = load.localPortsHeld
            let range = localPorts.count
            let text =
                "local ports: at most \(held) held at once by DR-path probes to one VIP and port "
                + "(\(Self.rate(load.drProbesPerSecondToOneVIP)) a second, each closed with a reset: no TIME_WAIT) "
                + "against \(range) in net.ipv4.ip_local_port_range"
            let fix = "sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\""
            findings.append(
                .init(severity: held > range ? .exceeded : held * 2 > range ? .near : .within, text: text, fix: fix))
        }
        if let openFiles {
            let worst = Int((load.probesPerSecond * load.longestTimeout).rounded(.up))
            var text =
                "descriptors: \(load.maxProbesInFlight) probes in flight at most (open-file limit \(openFiles)); "
                + "at worst, every probe running to its timeout, \(worst)"
            if load.maxProbesInFlight < load.configuredProbesInFlight {
                text += "; max_probes_in_flight \(load.configuredProbesInFlight) was lowered to fit the limit"
            }
            let severity: DirectorLimitFinding.Severity =
                worst > load.maxProbesInFlight || load.maxProbesInFlight < load.configuredProbesInFlight
                ? .near : .within
            findings.append(
                .init(
                    severity: severity,
                    text: text + (severity == .near ? ": rounds would wait (drift, never a drain)" : ""),
                    fix: "raise LimitNOFILE (systemd) or ulimit -n, and max_probes_in_flight"))
        }
        return findings
    }

    /// The neighbour table of `family` against the on-link real servers; nil without any.
    public func neighbourFinding(_ family: AddressFamily, _ load: DirectorLoad) -> DirectorLimitFinding? {
        guard let needed = load.onLink[family], needed > 0 else { return nil }
        let name = family == .ipv4 ? "IPv4" : "IPv6"
        let key = Self.neighbourKey(family)
        let fix = neighbourFix(family, needed: needed)
        let count = "\(needed) real server(s) on the director's own \(name) subnets, each needing a neighbour entry"
        guard let thresholds = neighbours[family] else {
            return .init(
                severity: .near,
                text: "\(count); the neighbour table's thresholds are not visible here (they belong to the first "
                    + "network namespace): check \(key).gc_thresh3 on the host", fix: nil)
        }
        let against = "against gc_thresh2 \(thresholds.soft) and gc_thresh3 \(thresholds.hard)"
        if needed > thresholds.hard {
            return .init(
                severity: .exceeded,
                text: "\(count), \(against): past gc_thresh3 the director cannot resolve the others, so neither "
                    + "IPVS's forwarding nor the probes reach them", fix: fix)
        }
        if needed > thresholds.soft {
            return .init(
                severity: .near,
                text: "\(count), \(against): past gc_thresh2 the kernel collects entries every few seconds and "
                    + "resolves them again", fix: fix)
        }
        return .init(severity: .within, text: "\(count), \(against)", fix: fix)
    }

    /// The command that gives conntrack room for what it holds now and the probes' entries, twice over.
    public func conntrackFix(_ load: DirectorLoad) -> String {
        let held = (conntrackCount ?? 0) + load.conntrackProbeEntries
        return "sysctl -w net.netfilter.nf_conntrack_max=\(Self.roundUp(held * 2))"
    }

    /// The command that gives `needed` on-link servers of `family` room in the neighbour table.
    public func neighbourFix(_ family: AddressFamily, needed: Int) -> String {
        let key = Self.neighbourKey(family)
        let wanted = Self.neighbourThresholds(for: needed)
        // Only the first network namespace has the sysctls; a director in one of its own reads them over rtnetlink.
        return (neighboursFromNetlink.contains(family) ? "on the host (the first network namespace): " : "")
            + "sysctl -w \(key).gc_thresh1=\(wanted.keep) \(key).gc_thresh2=\(wanted.soft) \(key).gc_thresh3=\(wanted.hard)"
    }

    /// What `needed` on-link servers want of the neighbour table: never collected below them, room for twice as
    /// many before the hard limit, and the soft limit half way between.
    public static func neighbourThresholds(for needed: Int) -> NeighbourThresholds {
        let hard = roundUp(needed * 2)
        return NeighbourThresholds(keep: max(needed, 128), soft: hard / 2 + needed / 2, hard: hard)
    }

    /// The neighbour thresholds' sysctl prefix for `family`.
    public static func neighbourKey(_ family: AddressFamily) -> String {
        family == .ipv4 ? "net.ipv4.neigh.default" : "net.ipv6.neigh.default"
    }

    /// `value` rounded up to a multiple of 1,024.
    public static func roundUp(_ value: Int) -> Int { max(1024, (value + 1023) / 1024 * 1024) }

    private static func rate(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(Int(value.rounded(.up)))
    }
}
