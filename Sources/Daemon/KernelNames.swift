import Agent
import IPVS
import Primitives

/// The decision core names services with its own key; this translates the kernel's.
extension Agent.ServiceKey {
    /// The agent's key for a kernel service; a fwmark service keeps its family.
    init?(_ kernel: IPVS.ServiceKey) {
        switch kernel {
        case .address(let proto, let address, let port):
            guard let transport = Agent.TransportProtocol(rawValue: proto.description) else { return nil }
            self = .virtual(Endpoint(address: address, port: port), transport)
        case .fwmark(let mark, let family):
            self = .fwmark(mark, family: family)
        }
    }
}
