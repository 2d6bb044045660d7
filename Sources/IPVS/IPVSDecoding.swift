import CNetlink
import Primitives

// Reading the kernel's IPVS replies (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_genl_fill_*) into the value types.

extension IPVSInfo {
    init(reply: NetlinkAttributes) throws(IPVSError) {
        self.init(
            version: try reply.required(IPVS_INFO_ATTR_VERSION, "INFO_VERSION"),
            connectionTableSize: try reply.required(IPVS_INFO_ATTR_CONN_TAB_SIZE, "INFO_CONN_TAB_SIZE"))
    }
}

extension Stats {
    /// Prefers STATS64 (all u64); older kernels send only STATS (packets and rates as u32).
    init(of attributes: NetlinkAttributes, wide: Int, narrow: Int) throws(IPVSError) {
        self.init()
        var nest = try attributes.nested(wide)
        if nest == nil { nest = try attributes.nested(narrow) }
        guard let nest else { return }
        connections = try nest.counter(IPVS_STATS_ATTR_CONNS, "STATS_CONNS")
        inPackets = try nest.counter(IPVS_STATS_ATTR_INPKTS, "STATS_INPKTS")
        outPackets = try nest.counter(IPVS_STATS_ATTR_OUTPKTS, "STATS_OUTPKTS")
        inBytes = try nest.counter(IPVS_STATS_ATTR_INBYTES, "STATS_INBYTES")
        outBytes = try nest.counter(IPVS_STATS_ATTR_OUTBYTES, "STATS_OUTBYTES")
        connectionRate = try nest.counter(IPVS_STATS_ATTR_CPS, "STATS_CPS")
        inPacketRate = try nest.counter(IPVS_STATS_ATTR_INPPS, "STATS_INPPS")
        outPacketRate = try nest.counter(IPVS_STATS_ATTR_OUTPPS, "STATS_OUTPPS")
        inByteRate = try nest.counter(IPVS_STATS_ATTR_INBPS, "STATS_INBPS")
        outByteRate = try nest.counter(IPVS_STATS_ATTR_OUTBPS, "STATS_OUTBPS")
    }
}

extension AddressFamily {
    init(wire value: UInt16, _ name: String) throws(IPVSError) {
        guard let family = AddressFamily(rawValue: Int32(value)) else {
            throw .malformedReply("\(name) is address family \(value)")
        }
        self = family
    }
}

extension IPAddress {
    /// The kernel sends a 16-byte union nf_inet_addr whatever the family; IPv4 is its first 4 bytes.
    init(wire attributes: NetlinkAttributes, _ type: Int, family: AddressFamily, _ name: String) throws(IPVSError) {
        guard let bytes = attributes.bytes(type), bytes.count >= family.addressLength else {
            throw .malformedReply("\(name) missing or short")
        }
        self.init(bytes: bytes.prefix(family.addressLength))!
    }
}

extension Service {
    /// From a GET_SERVICE reply: the attributes nested in IPVS_CMD_ATTR_SERVICE.
    init(reply: NetlinkAttributes) throws(IPVSError) {
        guard let nest = try reply.nested(IPVS_CMD_ATTR_SERVICE) else {
            throw .malformedReply("CMD_ATTR_SERVICE missing")
        }
        let family = try AddressFamily(wire: try nest.required(IPVS_SVC_ATTR_AF, "SVC_AF"), "SVC_AF")
        let key: ServiceKey
        if let mark = try nest.optional(IPVS_SVC_ATTR_FWMARK, "SVC_FWMARK", as: UInt32.self), mark != 0 {
            key = .fwmark(mark, family: family)
        } else {
            let number: UInt16 = try nest.required(IPVS_SVC_ATTR_PROTOCOL, "SVC_PROTOCOL")
            guard let proto = TransportProtocol(rawValue: number) else {
                throw .malformedReply("SVC_PROTOCOL is \(number)")
            }
            let address = try IPAddress(wire: nest, IPVS_SVC_ATTR_ADDR, family: family, "SVC_ADDR")
            let port = UInt16(bigEndian: try nest.required(IPVS_SVC_ATTR_PORT, "SVC_PORT"))
            key = .virtual(Endpoint(address: address, port: port), proto)
        }
        guard let flags = nest.bytes(IPVS_SVC_ATTR_FLAGS), flags.count == 8 else {
            throw .malformedReply("SVC_FLAGS missing or not struct ip_vs_flags")
        }
        self.init(
            key: key, scheduler: nest.string(IPVS_SVC_ATTR_SCHED_NAME) ?? "",
            flags: ServiceFlags(rawValue: flags.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }),
            timeout: try nest.required(IPVS_SVC_ATTR_TIMEOUT, "SVC_TIMEOUT"),
            netmask: try nest.required(IPVS_SVC_ATTR_NETMASK, "SVC_NETMASK"),
            persistenceEngine: nest.string(IPVS_SVC_ATTR_PE_NAME).flatMap { $0.isEmpty ? nil : $0 },
            stats: try Stats(of: nest, wide: IPVS_SVC_ATTR_STATS64, narrow: IPVS_SVC_ATTR_STATS))
    }
}

extension Destination {
    /// From a GET_DEST reply: the attributes nested in IPVS_CMD_ATTR_DEST; `family` is the service's, the
    /// default when the kernel predates DEST_ATTR_ADDR_FAMILY.
    init(reply: NetlinkAttributes, serviceFamily family: AddressFamily) throws(IPVSError) {
        guard let nest = try reply.nested(IPVS_CMD_ATTR_DEST) else { throw .malformedReply("CMD_ATTR_DEST missing") }
        let addressFamily =
            try nest.optional(IPVS_DEST_ATTR_ADDR_FAMILY, "DEST_ADDR_FAMILY", as: UInt16.self)
            .map { (value) throws(IPVSError) in try AddressFamily(wire: value, "DEST_ADDR_FAMILY") } ?? family
        let method: UInt32 = try nest.required(IPVS_DEST_ATTR_FWD_METHOD, "DEST_FWD_METHOD")
        guard let forwarding = ForwardingMethod(rawValue: method & UInt32(IP_VS_CONN_F_FWD_MASK)) else {
            throw .malformedReply("DEST_FWD_METHOD is \(method)")
        }
        let tunnelType: UInt8 = try nest.optional(IPVS_DEST_ATTR_TUN_TYPE, "DEST_TUN_TYPE") ?? 0
        guard let type = TunnelType(rawValue: tunnelType) else {
            throw .malformedReply("DEST_TUN_TYPE is \(tunnelType)")
        }
        self.init(
            address: try IPAddress(wire: nest, IPVS_DEST_ATTR_ADDR, family: addressFamily, "DEST_ADDR"),
            port: UInt16(bigEndian: try nest.required(IPVS_DEST_ATTR_PORT, "DEST_PORT")),
            forwarding: forwarding,
            weight: try nest.required(IPVS_DEST_ATTR_WEIGHT, "DEST_WEIGHT"),
            upperThreshold: try nest.required(IPVS_DEST_ATTR_U_THRESH, "DEST_U_THRESH"),
            lowerThreshold: try nest.required(IPVS_DEST_ATTR_L_THRESH, "DEST_L_THRESH"),
            activeConnections: try nest.required(IPVS_DEST_ATTR_ACTIVE_CONNS, "DEST_ACTIVE_CONNS"),
            inactiveConnections: try nest.required(IPVS_DEST_ATTR_INACT_CONNS, "DEST_INACT_CONNS"),
            persistentConnections: try nest.required(IPVS_DEST_ATTR_PERSIST_CONNS, "DEST_PERSIST_CONNS"),
            stats: try Stats(of: nest, wide: IPVS_DEST_ATTR_STATS64, narrow: IPVS_DEST_ATTR_STATS),
            tunnel: TunnelSettings(
                type: type,
                port: UInt16(bigEndian: try nest.optional(IPVS_DEST_ATTR_TUN_PORT, "DEST_TUN_PORT") ?? 0),
                flags: TunnelFlags(rawValue: try nest.optional(IPVS_DEST_ATTR_TUN_FLAGS, "DEST_TUN_FLAGS") ?? 0)))
    }
}
