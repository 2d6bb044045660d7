import Agent
import Glibc
import IPVS
import Primitives

/// drcheck's DR probe services in the kernel: fwmark services with a mark of `probe_marks`, each leading to one real
/// server alone, so that a probe sent to the VIP with that mark reaches that server by the DR path (OPERATIONS.md).
/// The daemon, `--once`, `diagnose` and `drcheck probe` make, find and delete them only through here.
public struct ProbeServices {
    let ipvs: IPVSControl

    public init(ipvs: IPVSControl) { self.ipvs = ipvs }

    /// The probe service of `server` with `mark`: an fwmark service in the server's family.
    public static func key(mark: UInt32, server: IPAddress) -> ServiceKey { .fwmark(mark, family: server.family) }

    /// The one destination a probe service has: the real server, by direct routing, at weight 1.
    static func destination(_ server: IPAddress) -> Destination {
        Destination(address: server, port: 0, forwarding: .route, weight: 1)
    }

    /// Makes fwmark service `mark` (in the family of `server`, scheduler rr) lead to `server` alone: its one
    /// destination made or set right, any other deleted. Idempotent. One-packet scheduling (ipvsadm's `-o`): a UDP
    /// probe through it leaves no entry in IPVS's connection table, where each would stay for the UDP timeout
    /// (300 s), one a probe since every probe has its own source port; TCP is not affected.
    public func make(mark: UInt32, server: IPAddress) throws(IPVSError) {
        let key = Self.key(mark: mark, server: server)
        let probe = Self.destination(server)
        do {
            try ipvs.addService(Service(key: key, scheduler: "rr", flags: .onePacket))
        } catch .kernel(_, EEXIST) {}
        var present = false
        for destination in try ipvs.destinations(of: key) {
            if destination.address == probe.address && destination.port == probe.port {
                present = true
                if destination.forwarding != .route || destination.weight != 1 || destination.tunnel != probe.tunnel
                    || destination.upperThreshold != 0 || destination.lowerThreshold != 0
                {
                    try ipvs.setDestination(probe, in: key)
                }
            } else {
                do { try ipvs.deleteDestination(destination, from: key) } catch .destinationGone {}
            }
        }
        guard !present else { return }
        do {
            try ipvs.addDestination(probe, to: key)
        } catch .kernel(_, EEXIST) {
            try ipvs.setDestination(probe, in: key)
        }
    }

    /// Deletes probe service `key` and its destination; succeeds when it does not exist.
    public func delete(_ key: ServiceKey) throws(IPVSError) {
        do { try ipvs.deleteService(key) } catch .serviceGone {}
    }

    /// The probe services among `services`, with their marks: those whose fwmark is in `marks`.
    static func listed(
        in services: [IPVS.Service], marks: ClosedRange<UInt32>
    ) -> [(key: ServiceKey, mark: UInt32)] {
        services.compactMap { service in
            guard case .fwmark(let mark, _) = service.key, marks.contains(mark) else { return nil }
            return (service.key, mark)
        }
    }
}

extension [ServerID: ProbeTarget] {
    /// Probes every target that would go through `server`'s probe service at its RIP instead (it has none); the
    /// targets moved.
    @discardableResult
    mutating func probeRIP(of server: IPAddress) -> [ServerID] {
        let moved = keys.filter { self[$0]?.drPath?.server == server }.sorted()
        for id in moved { self[id]?.probeRIP() }
        return moved
    }
}
