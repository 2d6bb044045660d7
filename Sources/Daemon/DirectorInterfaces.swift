import Glibc
import Primitives

/// The director's own addresses, to find the interface and source address toward each real server:
/// a DR real server is on a directly connected network, so the interface is the one whose subnet holds the RIP.
public struct DirectorInterfaces: Sendable {
    public struct Address: Sendable, Equatable {
        public var interface: String
        public var address: IPAddress
        public var prefixLength: Int
        fileprivate var mask: [UInt8]
    }

    public private(set) var addresses: [Address] = []

    public init(addresses: [Address]) { self.addresses = addresses }

    /// The director's addresses given as `interface`, `address`, prefix length (for a test's director).
    init(_ entries: [(interface: String, address: IPAddress, prefixLength: Int)]) {
        addresses = entries.map { entry in
            let mask = (0..<entry.address.family.addressLength).map { index in
                UInt8(truncatingIfNeeded: 0xFF00 >> min(max(entry.prefixLength - index * 8, 0), 8))
            }
            return Address(
                interface: entry.interface, address: entry.address, prefixLength: entry.prefixLength, mask: mask)
        }
    }

    /// Reads every address of every interface (getifaddrs); none when they cannot be read.
    public static func current() -> DirectorInterfaces { read() ?? DirectorInterfaces(addresses: []) }

    /// Every address of every interface, or nil when getifaddrs fails (it needs a socket: out of descriptors).
    public static func read() -> DirectorInterfaces? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var found: [Address] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, let netmask = entry.pointee.ifa_netmask else { continue }
            guard let bytes = rawBytes(address), let mask = rawBytes(netmask), bytes.count == mask.count,
                let ip = IPAddress(bytes: bytes)
            else { continue }
            found.append(
                Address(
                    interface: String(cString: entry.pointee.ifa_name), address: ip,
                    prefixLength: mask.reduce(0) { $0 + $1.nonzeroBitCount }, mask: mask))
        }
        return DirectorInterfaces(addresses: found)
    }

    /// The director's address on the network that holds `peer`, the most specific when several do.
    public func local(toward peer: IPAddress) -> Address? {
        let target = peer.bytes
        return
            addresses
            .filter { candidate in
                let bytes = candidate.address.bytes
                return bytes.count == target.count
                    && zip(zip(bytes, candidate.mask), target).allSatisfy { ($0.0 & $0.1) == ($1 & $0.1) }
                    && bytes != target
            }
            .max { $0.prefixLength < $1.prefixLength }
    }

    /// True when `address` is one of the director's own (a VIP held here, for ARP watch and DR mode).
    public func holds(_ address: IPAddress) -> Address? {
        addresses.first { $0.address == address }
    }
}

private func rawBytes(_ address: UnsafeMutablePointer<sockaddr>) -> [UInt8]? {
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
            withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
        }
    case AF_INET6:
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
            withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
        }
    default:
        return nil
    }
}
