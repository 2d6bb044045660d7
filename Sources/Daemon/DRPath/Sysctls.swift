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

    private let root: String

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
        let fd = open(path(finding.interface, finding.name), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SysctlError(key: finding.key, errno: errno) }
        defer { close(fd) }
        let text = Array("\(finding.wanted)\n".utf8)
        guard write(fd, text, text.count) == text.count else { throw SysctlError(key: finding.key, errno: errno) }
    }

    private func path(_ interface: String, _ name: String) -> String {
        "\(root)/net/ipv4/conf/\(interface)/\(name)"
    }

    private func read(_ interface: String, _ name: String) -> Int? {
        readSmallFile(path(interface, name)).flatMap { Int($0.filter { !$0.isWhitespace }) }
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
