import Glibc

/// The director's own addresses, to find the interface and source address toward each real server:
/// a DR real server is on a directly connected network, so the interface is the one whose subnet holds the RIP.
public struct DirectorInterfaces: Sendable {
    public struct Address: Sendable, Equatable {
        public var interface: String
        public var address: String
        public var prefixLength: Int
        fileprivate var bytes: [UInt8]
        fileprivate var mask: [UInt8]
    }

    public private(set) var addresses: [Address] = []

    public init(addresses: [Address]) { self.addresses = addresses }

    /// The director's addresses given as `interface`, `address`, prefix length (for a test's director); an
    /// entry that is no address is left out.
    init(_ entries: [(interface: String, address: String, prefixLength: Int)]) {
        addresses = entries.compactMap { entry in
            guard let bytes = parse(entry.address) else { return nil }
            let mask = (0..<bytes.count).map { index in
                let bits = min(max(entry.prefixLength - index * 8, 0), 8)
                return UInt8(truncatingIfNeeded: 0xFF00 >> bits)
            }
            return Address(
                interface: entry.interface, address: entry.address, prefixLength: entry.prefixLength, bytes: bytes,
                mask: mask)
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
            guard let bytes = rawBytes(address), let mask = rawBytes(netmask), bytes.count == mask.count else {
                continue
            }
            found.append(
                Address(
                    interface: String(cString: entry.pointee.ifa_name), address: format(bytes),
                    prefixLength: mask.reduce(0) { $0 + $1.nonzeroBitCount }, bytes: bytes, mask: mask))
        }
        return DirectorInterfaces(addresses: found)
    }

    /// The director's address on the network that holds `peer`, the most specific when several do.
    public func local(toward peer: String) -> Address? {
        guard let target = parse(peer) else { return nil }
        return
            addresses
            .filter { candidate in
                candidate.bytes.count == target.count
                    && zip(zip(candidate.bytes, candidate.mask), target).allSatisfy { ($0.0 & $0.1) == ($1 & $0.1) }
                    && candidate.bytes != target
            }
            .max { $0.prefixLength < $1.prefixLength }
    }

    /// True when `address` is one of the director's own (a VIP held here, for ARP watch and DR mode).
    public func holds(_ address: String) -> Address? {
        guard let target = parse(address) else { return nil }
        return addresses.first { $0.bytes == target }
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

private func parse(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
    return nil
}

private func format(_ bytes: [UInt8]) -> String {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    let family = bytes.count == 4 ? AF_INET : AF_INET6
    _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
