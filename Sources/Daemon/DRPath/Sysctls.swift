import Agent
import Glibc
import Primitives

/// The per-interface IPv4 sysctls a DR-path probe needs on the director (OPERATIONS.md "The director's sysctls for
/// DR-path probes"): the reply comes from the VIP,
/// a local address, so `accept_local` must be 1, and strict reverse-path filtering (rp_filter 1) drops it too.
public struct DRSysctls {
    public struct Finding: Equatable, Sendable {
        public var interface: String
        public var name: String
        public var current: Int
        public var wanted: Int

        /// sysctl's name; with a dot in the interface name (a VLAN) sysctl wants slashes as separators.
        public var key: String {
            interface.contains(".") ? "net/ipv4/conf/\(interface)/\(name)" : "net.ipv4.conf.\(interface).\(name)"
        }

        /// The command an operator runs to set it by hand.
        public var command: String { "sysctl -w \(key)=\(wanted)" }

        /// What was done, once drcheck set it.
        public var setText: String { "set \(key)=\(wanted) (was \(current)) for DR-path probes" }
    }

    let root: String

    /// `root` is /proc/sys normally; tests point it at a folder of their own.
    public init(root: String = "/proc/sys") { self.root = root }

    /// What must change on `interface` for DR probes to work; empty when nothing must.
    public func findings(interface: String) -> [Finding] {
        var findings: [Finding] = []
        if let value = read(interface, "accept_local"), value != 1 {
            findings.append(Finding(interface: interface, name: "accept_local", current: value, wanted: 1))
        }
        // The kernel uses the larger of conf.all and conf.<if>; 2 (loose) on the interface wins over 1 on all.
        if let mine = read(interface, "rp_filter"), let all = read("all", "rp_filter"), max(mine, all) == 1 {
            findings.append(Finding(interface: interface, name: "rp_filter", current: mine, wanted: 2))
        }
        return findings
    }

    /// Sets one finding; the error names the key and the reason.
    public func apply(_ finding: Finding) throws(SysctlError) {
        try write(finding.wanted, to: "\(root)/\(relativePath(finding.interface, finding.name))", key: finding.key)
    }

    fileprivate func write(_ value: Int, to path: String, key: String) throws(SysctlError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SysctlError(key: key, errno: errno) }
        defer { close(fd) }
        let text = Array("\(value)\n".utf8)
        guard Glibc.write(fd, text, text.count) == text.count else { throw SysctlError(key: key, errno: errno) }
    }

    /// The sysctl's file under `root`.
    private func relativePath(_ interface: String, _ name: String) -> String { "net/ipv4/conf/\(interface)/\(name)" }

    private func read(_ interface: String, _ name: String) -> Int? {
        DirectorLimits.value(root, relativePath(interface, name))
    }
}

public struct SysctlError: Error, CustomStringConvertible {
    public var key: String
    public var errno: Int32
    public var description: String { "cannot set \(key): \(String(cString: strerror(errno)))" }
}

extension DRSysctls {
    /// What vetting found for one sysctl that was not as DR-path probes need it.
    enum Vetted {
        case set(Finding)
        case failed(Finding, SysctlError)
        /// Not set: vetting was told not to fix.
        case left(Finding)
    }

    /// Checks the sysctls DR-path probes need on each of `interfaces`, in order; with `fix` sets each one wrong.
    func vet(_ interfaces: [String], fix: Bool) -> [Vetted] {
        interfaces.flatMap { interface in
            findings(interface: interface).map { finding -> Vetted in
                guard fix else { return .left(finding) }
                do throws(SysctlError) {
                    try apply(finding)
                    return .set(finding)
                } catch {
                    return .failed(finding, error)
                }
            }
        }
    }

    /// The interfaces the DR-path probes of `targets` leave by, sorted.
    static func interfaces(of targets: some Sequence<ProbeTarget>) -> [String] {
        Set(targets.compactMap { $0.drPath?.interface }).sorted()
    }
}

extension DRSysctls {
    /// Raises the neighbour thresholds of `family` to what `needed` on-link real servers want
    /// (`DirectorLimits.neighbourThresholds`), each only where it is lower, the hard limit first so that they never
    /// cross on the way; returns what it set, as "KEY=VALUE (was OLD)". They exist only in the first network
    /// namespace: elsewhere the error is ENOENT.
    func raiseNeighbourThresholds(_ family: AddressFamily, needed: Int) throws(SysctlError) -> [String] {
        let wanted = DirectorLimits.neighbourThresholds(for: needed)
        let key = DirectorLimits.neighbourKey(family)
        var set: [String] = []
        for (index, value) in [(3, wanted.hard), (2, wanted.soft), (1, wanted.keep)] {
            let name = "\(key).gc_thresh\(index)"
            let relative = "\(key.replacingDots)/gc_thresh\(index)"
            guard let current = DirectorLimits.value(root, relative) else {
                throw SysctlError(key: name, errno: ENOENT)
            }
            guard current < value else { continue }
            try write(value, to: "\(root)/\(relative)", key: name)
            set.append("\(name)=\(value) (was \(current))")
        }
        return set
    }
}

extension DRSysctls {
    /// What raising the neighbour thresholds did for one family.
    enum NeighbourFix {
        case set(AddressFamily, needed: Int, [String])
        case failed(AddressFamily, SysctlError, fromNetlink: Bool)

        /// The line that says it (`dr_sysctls: fix`).
        var text: String {
            switch self {
            case .set(_, let needed, let set):
                "set \(set.joined(separator: ", ")) for \(needed) on-link real server(s) (dr_sysctls: fix)"
            case .failed(_, let error, let fromNetlink):
                "dr_sysctls: fix: \(error)"
                    + (fromNetlink ? ": they can be set only in the first network namespace, on the host" : "")
            }
        }
    }

    /// Raises the thresholds of each family whose on-link servers (`load`) outgrow gc_thresh2, or of the families
    /// in `full` (the kernel refused entries); a family where nothing was lower says nothing.
    func raiseNeighbourThresholds(
        _ load: DirectorLoad, _ limits: DirectorLimits, full: Set<AddressFamily> = []
    ) -> [NeighbourFix] {
        AddressFamily.allCases.compactMap { family -> NeighbourFix? in
            guard let needed = load.onLink[family], let thresholds = limits.neighbours[family],
                needed > thresholds.soft || full.contains(family)
            else { return nil }
            do throws(SysctlError) {
                let set = try raiseNeighbourThresholds(family, needed: needed)
                return set.isEmpty ? nil : .set(family, needed: needed, set)
            } catch {
                return .failed(family, error, fromNetlink: limits.neighboursFromNetlink.contains(family))
            }
        }
    }
}

extension String {
    fileprivate var replacingDots: String { String(map { $0 == "." ? "/" : $0 }) }
}
