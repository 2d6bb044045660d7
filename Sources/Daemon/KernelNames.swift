import Agent
import IPVS
import Primitives

/// The decision core names services with its own key; this translates the kernel's.
extension Agent.ServiceKey {
    /// The agent's key for a kernel service; a fwmark service keeps its family.
    init(_ kernel: IPVS.ServiceKey) {
        switch kernel {
        case .address(let proto, let address, let port):
            self = .virtual(Endpoint(address: address, port: port), proto)
        case .fwmark(let mark, let family):
            self = .fwmark(mark, family: family)
        }
    }
}
