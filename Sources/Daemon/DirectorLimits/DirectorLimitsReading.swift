import Agent
import Glibc
import Primitives

extension DirectorLimits {
    /// The limits as the kernel states them under `root` (/proc/sys; a test's folder), with `openFiles`.
    static func read(root: String = "/proc/sys", openFiles: Int?) -> DirectorLimits {
        func value(_ path: String) -> Int? { Self.value(root, path) }
        var limits = DirectorLimits()
        for (family, name) in [(AddressFamily.ipv4, "ipv4"), (.ipv6, "ipv6")] {
            let base = "net/\(name)/neigh/default/gc_thresh"
            if let keep = value(base + "1"), let soft = value(base + "2"), let hard = value(base + "3") {
                limits.neighbours[family] = NeighbourThresholds(keep: keep, soft: soft, hard: hard)
            }
        }
        limits.conntrackMax = value("net/netfilter/nf_conntrack_max")
        limits.conntrackCount = value("net/netfilter/nf_conntrack_count")
        let ports = readSmallFile("\(root)/net/ipv4/ip_local_port_range")?.split(whereSeparator: \.isWhitespace)
            .compactMap { Int($0) }
        if let ports, ports.count == 2, ports[0] <= ports[1] { limits.localPorts = ports[0]...ports[1] }
        limits.openFiles = openFiles
        return limits
    }
}

extension DirectorLimits {
    /// The integer in the sysctl file `path` under `root`; nil when it cannot be read.
    static func value(_ root: String, _ path: String) -> Int? {
        readSmallFile("\(root)/\(path)").flatMap { Int($0.filter { !$0.isWhitespace }) }
    }
}

extension DirectorLoad {
    /// What `targets` ask of the director: `interfaces` tells which real servers are on its own subnets.
    init(targets: some Collection<ProbeTarget>, interfaces: DirectorInterfaces, maxProbesInFlight: Int, configured: Int)
    {
        self.init(
            targets: targets, onLinkServers: Self.onLinkServers(targets, interfaces),
            maxProbesInFlight: maxProbesInFlight, configured: configured)
    }

    /// What `targets` ask of the director, `onLinkServers` those of their real servers on its own subnets.
    init(
        targets: some Collection<ProbeTarget>, onLinkServers: Set<IPAddress>, maxProbesInFlight: Int, configured: Int
    ) {
        self.init()
        longestTimeout = 0
        var toVIP: [Endpoint: Double] = [:]
        for target in targets {
            let rate = 1 / max(target.interval / .seconds(1), 0.001)
            probesPerSecond += rate
            longestTimeout = max(longestTimeout, target.check.timeout / .seconds(1))
            if target.drPath != nil, case .network(let check) = target.check {
                toVIP[Endpoint(address: check.address, port: check.port), default: 0] += rate
            }
        }
        for server in onLinkServers { onLink[server.family, default: 0] += 1 }
        drProbesPerSecondToOneVIP = toVIP.values.max() ?? 0
        self.maxProbesInFlight = maxProbesInFlight
        configuredProbesInFlight = configured
    }
}

extension DirectorLoad {
    /// The real servers of `targets` on one of the director's own subnets: each needs a neighbour entry.
    static func onLinkServers(_ targets: some Collection<ProbeTarget>, _ interfaces: DirectorInterfaces) -> Set<
        IPAddress
    > {
        Set(targets.lazy.map(\.id.server.address).filter { interfaces.local(toward: $0) != nil })
    }
}
