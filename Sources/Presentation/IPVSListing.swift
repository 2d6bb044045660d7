import IPVS
import Primitives

/// The table laid out as `ipvsadm -Ln` prints it, in its order, so an operator can compare the two at a glance.
public func ipvsadmListing(info: IPVSInfo, table: [ServiceEntry]) -> String {
    var lines = [
        "IP Virtual Server version \(info.versionText) (size=\(info.connectionTableSize))",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
    ]
    for entry in table.sortedLikeIPVSAdm() {
        lines.append(entry.service.ipvsadmLine)
        for destination in entry.destinations {
            let endpoint = destination.endpoint.description
            lines.append(
                "  -> \(endpoint.padded(28)) \(destination.forwarding.ipvsadmName.padded(7)) "
                    + "\(String(destination.weight).padded(6)) \(String(destination.activeConnections).padded(10)) "
                    + "\(String(destination.inactiveConnections).padded(10))")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

extension [ServiceEntry] {
    /// ipvsadm's order: services by fwmark (none first), family, protocol, address, port; destinations by
    /// address, then port.
    public func sortedLikeIPVSAdm() -> [ServiceEntry] {
        sorted { $0.service.key.ipvsadmOrder.lexicographicallyPrecedes($1.service.key.ipvsadmOrder) }.map { entry in
            ServiceEntry(
                service: entry.service,
                destinations: entry.destinations.sorted { $0.endpoint < $1.endpoint })
        }
    }
}

extension ServiceKey {
    fileprivate var ipvsadmOrder: [UInt64] {
        switch self {
        case .virtual(let vip, let proto):
            [0, UInt64(vip.address.family.rawValue), UInt64(proto.rawValue)] + vip.address.bytes.map(UInt64.init) + [
                UInt64(vip.port)
            ]
        case .fwmark(let mark, let family): [UInt64(mark), UInt64(family.rawValue)]
        }
    }
}

extension Service {
    /// `TCP  198.51.100.33:8000 rr persistent 300`, `FWM  7 IPv6 rr ops`.
    fileprivate var ipvsadmLine: String {
        var line: String
        switch key {
        case .virtual(let vip, let proto):
            line = "\(proto.description.uppercased().padded(4)) \(vip)"
        case .fwmark(let mark, let family):
            line = "FWM  \(mark)" + (family == .ipv6 ? " IPv6" : "")
        }
        line += " \(scheduler)"
        let names = schedulerFlagNames
        if !names.isEmpty { line += " (\(names.joined(separator: ",")))" }
        if flags.contains(.persistent) {
            line += " persistent \(timeout)"
            let defaultMask: UInt32 = key.family == .ipv4 ? 0xffff_ffff : 128
            if netmask != defaultMask { line += " mask \(netmaskText)" }
            if let persistenceEngine { line += " pe \(persistenceEngine)" }
        }
        if flags.contains(.onePacket) { line += " ops" }
        return line
    }

    /// The scheduler flags by the names ipvsadm's -b takes: sh and mh name theirs, others are flag-N.
    public var schedulerFlagNames: [String] {
        let all: [(ServiceFlags, String)] = [(.schedulerFlag1, "1"), (.schedulerFlag2, "2"), (.schedulerFlag3, "3")]
        return all.filter { flags.contains($0.0) }.map { flag, number in
            switch (scheduler, number) {
            case ("sh", "1"), ("mh", "1"): "\(scheduler)-fallback"
            case ("sh", "2"), ("mh", "2"): "\(scheduler)-port"
            default: "flag-\(number)"
            }
        }
    }
}

extension String {
    /// Left-aligned in `width` columns, like printf's %-Ns (never cut).
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
