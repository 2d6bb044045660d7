import CNetlink
import Primitives

// Writing IPVS requests as the kernel parses them (ip_vs_genl_parse_service / ip_vs_genl_parse_dest).

extension NetlinkRequest {
    /// The nested IPVS_CMD_ATTR_SERVICE that names a service; `full` adds what NEW/SET_SERVICE require.
    func put(service key: ServiceKey, full service: Service? = nil) throws(IPVSError) {
        try nest(IPVS_CMD_ATTR_SERVICE) { (request) throws(IPVSError) in
            try request.put(IPVS_SVC_ATTR_AF, u16: UInt16(key.family.rawValue))
            switch key {
            case .virtual(let vip, let proto):
                try request.put(IPVS_SVC_ATTR_PROTOCOL, u16: proto.rawValue)
                try request.put(IPVS_SVC_ATTR_ADDR, bytes: vip.address.wireBytes)
                try request.put(IPVS_SVC_ATTR_PORT, u16: vip.port.bigEndian)
            case .fwmark(let mark, _):
                try request.put(IPVS_SVC_ATTR_FWMARK, u32: mark)
            }
            guard let service else { return }
            try request.put(IPVS_SVC_ATTR_SCHED_NAME, string: service.scheduler)
            // struct ip_vs_flags { flags; mask }: the mask says which flags this request sets (all of them).
            try request.put(
                IPVS_SVC_ATTR_FLAGS, bytes: withUnsafeBytes(of: (service.flags.rawValue, UInt32.max)) { Array($0) })
            try request.put(IPVS_SVC_ATTR_TIMEOUT, u32: service.timeout)
            try request.put(IPVS_SVC_ATTR_NETMASK, u32: service.netmask)
            if let engine = service.persistenceEngine { try request.put(IPVS_SVC_ATTR_PE_NAME, string: engine) }
        }
    }

    /// The nested IPVS_CMD_ATTR_DEST; `full` adds every field NEW/SET_DEST set, so nothing is reset.
    func put(destination: Destination, full: Bool) throws(IPVSError) {
        try nest(IPVS_CMD_ATTR_DEST) { (request) throws(IPVSError) in
            try request.put(IPVS_DEST_ATTR_ADDR_FAMILY, u16: UInt16(destination.address.family.rawValue))
            try request.put(IPVS_DEST_ATTR_ADDR, bytes: destination.address.wireBytes)
            try request.put(IPVS_DEST_ATTR_PORT, u16: destination.port.bigEndian)
            guard full else { return }
            try request.put(IPVS_DEST_ATTR_FWD_METHOD, u32: destination.forwarding.rawValue)
            try request.put(IPVS_DEST_ATTR_WEIGHT, u32: UInt32(bitPattern: destination.weight))
            try request.put(IPVS_DEST_ATTR_U_THRESH, u32: destination.upperThreshold)
            try request.put(IPVS_DEST_ATTR_L_THRESH, u32: destination.lowerThreshold)
            try request.put(IPVS_DEST_ATTR_TUN_TYPE, u8: destination.tunnel.type.rawValue)
            try request.put(IPVS_DEST_ATTR_TUN_PORT, u16: destination.tunnel.port.bigEndian)
            try request.put(IPVS_DEST_ATTR_TUN_FLAGS, u16: destination.tunnel.flags.rawValue)
        }
    }
}

extension IPAddress {
    /// union nf_inet_addr: 16 bytes, IPv4 in the first 4, as ipvsadm sends it.
    var wireBytes: [UInt8] { bytes + [UInt8](repeating: 0, count: 16 - bytes.count) }
}
