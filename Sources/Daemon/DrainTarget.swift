import Agent
import IPVS
import Primitives

/// The server a `drcheck drain` or `undrain` names, found as `drcheck status` names it: the service by its label
/// (its name, VIP:port, fwmark:N) or its key (VIP:port/udp), the real server by RIP:port, or by RIP when one port has it.
enum DrainTarget {
    /// The server's id and its service's key as the kernel has it; a one-line error (exit 2) when there is none.
    static func resolve(service name: String, server text: String, in snapshot: KernelSnapshot, config: Config)
        throws(StartupError) -> (ServerID, ServiceKey)
    {
        let keys = snapshot.services.keys.sorted()
        guard
            let key = keys.first(where: { config.label(of: $0) == name || $0.description == name })
                ?? keys.first(where: { $0.label == name })
        else {
            let known = keys.map { config.label(of: $0) }.joined(separator: ", ")
            throw .config("no checked service \(name) in the IPVS table (services: \(known.isEmpty ? "none" : known))")
        }
        let label = config.label(of: key)
        let servers = snapshot.services[key]?.destinations.map(\.endpoint).sorted() ?? []
        let matches = servers.filter { $0.description == text || $0.address.description == text }
        guard matches.count == 1, let server = matches.first else {
            if matches.count > 1 {
                throw .config(
                    "\(text) has several ports in \(label): name one of \(matches.map(\.description).joined(separator: ", "))"
                )
            }
            let elsewhere = keys.filter { other in
                snapshot.services[other]?.destinations.contains {
                    $0.endpoint.description == text || $0.address.description == text
                } == true
            }
            let hint =
                elsewhere.isEmpty
                ? "" : "; it is one of \(elsewhere.map { config.label(of: $0) }.joined(separator: ", "))"
            throw .config(
                "\(text) is not a real server of \(label) (its real servers: "
                    + "\(servers.map(\.description).joined(separator: ", ")))\(hint)")
        }
        return (ServerID(service: key, server: server), snapshot.services[key]?.kernel.key ?? key)
    }

    /// The destination as the kernel has it now: one gone is a one-line error (exit 2), IPVS unreadable exit 3.
    static func destination(_ server: Endpoint, in key: ServiceKey, ipvs: IPVSControl) throws(StartupError)
        -> Destination
    {
        let destinations: [Destination]
        do {
            destinations = try ipvs.destinations(of: key)
        } catch {
            throw .ipvs("\(error)")
        }
        guard let destination = destinations.first(where: { $0.endpoint == server }) else {
            throw .config("\(server) left the IPVS table of \(key.label)")
        }
        return destination
    }
}
