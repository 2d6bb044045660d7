import Agent
import IPVS

/// The decision core names services and servers with its own value types; these translate the kernel's.
extension Agent.IPAddress {
    init(_ kernel: IPVS.IPAddress) {
        // Both are 4 or 16 raw bytes; the kernel's address is always one of those.
        self = Agent.IPAddress(bytes: kernel.bytes)!
    }
}

extension IPVS.IPAddress {
    init(_ agent: Agent.IPAddress) {
        self = IPVS.IPAddress(bytes: agent.bytes)!
    }
}

extension Agent.ServiceKey {
    /// The agent's key for a kernel service; fwmark services of either family share the mark's name.
    init?(_ kernel: IPVS.ServiceKey) {
        switch kernel {
        case .address(let proto, let address, let port):
            guard let transport = Agent.TransportProtocol(rawValue: proto.description) else { return nil }
            self = .virtual(Endpoint(address: Agent.IPAddress(address), port: port), transport)
        case .fwmark(let mark, _):
            self = .fwmark(mark)
        }
    }
}

extension Endpoint {
    init(_ destination: Destination) {
        self.init(address: Agent.IPAddress(destination.address), port: destination.port)
    }
}
