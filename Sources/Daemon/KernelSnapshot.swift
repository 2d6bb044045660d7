import Agent
import IPVS
import Primitives

/// The checked part of the kernel's IPVS table, as read at one moment.
struct KernelSnapshot {
    struct CheckedService {
        let kernel: IPVS.Service
        let destinations: [Destination]
        /// Each destination's place in `destinations`: a pass looks up every checked server's destination.
        private let places: [Endpoint: Int]

        init(kernel: IPVS.Service, destinations: [Destination]) {
            self.kernel = kernel
            self.destinations = destinations
            places = Dictionary(
                destinations.indices.map { (destinations[$0].endpoint, $0) }, uniquingKeysWith: { first, _ in first })
        }

        func destination(_ server: Endpoint) -> Destination? { places[server].map { destinations[$0] } }

        /// The destination weights as the decision core takes them.
        var weights: [Endpoint: Int] {
            Dictionary(destinations.map { ($0.endpoint, Int($0.weight)) }, uniquingKeysWith: { first, _ in first })
        }
    }

    var services: [ServiceKey: CheckedService] = [:]
    /// Listed fwmark services the kernel has only in the other family (a config written before `family`, when
    /// `fwmark: N` also meant the IPv6 service): what to tell the operator, by the listed key.
    var otherFamilyOnly: [ServiceKey: String] = [:]
    /// Services discovery leaves alone because their check could not judge them, with why (`Config.notChecked`).
    var notChecked: [ServiceKey: String] = [:]
    /// drcheck's own DR probe services (marks in probe_marks) as listed: audited against the wanted ones, not checked.
    var probeServices: Set<ServiceKey> = []

    /// Reads every service drcheck checks (listed in the config, or any with `discover`), and only the keys of
    /// drcheck's own DR-probe services (marks in the reserved range).
    static func read(_ ipvs: IPVSControl, config: Config) throws(IPVSError) -> KernelSnapshot {
        var snapshot = KernelSnapshot()
        var inKernel: Set<ServiceKey> = []
        for service in try ipvs.services() {
            if case .fwmark(let mark, _) = service.key, config.probeMarks.contains(mark) {
                snapshot.probeServices.insert(service.key)
                continue
            }
            inKernel.insert(service.key)
            snapshot.notChecked[service.key] = config.notChecked(service.key)
            guard config.check(for: service.key) != nil, snapshot.services[service.key] == nil else { continue }
            snapshot.services[service.key] = CheckedService(
                kernel: service, destinations: try ipvs.destinations(of: service.key))
        }
        for listed in config.services {
            guard case .fwmark(let mark, let family) = listed.key, !inKernel.contains(listed.key) else { continue }
            let other: AddressFamily = family == .ipv4 ? .ipv6 : .ipv4
            guard inKernel.contains(.fwmark(mark, family: other)) else { continue }
            snapshot.otherFamilyOnly[listed.key] =
                "\(listed.label): IPVS has no \(family) fwmark \(mark) service to check, only an \(other) one "
                + "(\(ServiceKey.fwmark(mark, family: other).label)): give its config entry family: \(other)"
        }
        return snapshot
    }

    func destination(_ id: ServerID) -> Destination? {
        services[id.service]?.destination(id.server)
    }

    /// What the ARP watch probes: each IPv4 VIP the director holds, on its interface, with its real servers.
    func arpSubjects(_ interfaces: DirectorInterfaces) -> [ARPWatch.Subject] {
        var subjects: [IPAddress: ARPWatch.Subject] = [:]
        for service in services.values {
            guard let vip = service.kernel.key.vip?.address, vip.family == .ipv4,
                let held = interfaces.holds(vip)
            else { continue }
            var subject = subjects[vip] ?? ARPWatch.Subject(vip: vip, interface: held.interface, realServers: [])
            subject.realServers = Array(Set(subject.realServers + service.destinations.map(\.address))).sorted()
            subjects[vip] = subject
        }
        return subjects.values.sorted { $0.vip < $1.vip }
    }
}
