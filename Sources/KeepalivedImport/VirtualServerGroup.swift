import Primitives

/// A `virtual_server_group`'s entries as the services keepalived makes of them: `ADDR PORT`, an address range
/// (`192.168.200.3-10`, `ae00::2-9`, `10.0.0.250-10.0.1.10`, `192.168.202.8/29`) with a port, `fwmark N [inet|inet6]`.
enum VirtualServerGroup {
    /// More addresses than this in one entry is more likely a mistake than a pool: the entry is not expanded.
    static let rangeLimit = 256

    /// The services of one entry, or why it makes none drcheck can list.
    static func services(_ entry: KeepalivedBlock, transport: TransportProtocol) -> Result<[ServiceKey], Reason> {
        if entry.keyword == "fwmark" {
            guard let mark = entry.arguments.first.flatMap({ UInt32($0) }), mark > 0 else {
                return .failure(Reason("fwmark needs a mark from 1 to 4294967295"))
            }
            return .success([.fwmark(mark, family: entry.arguments.dropFirst().first == "inet6" ? .ipv6 : .ipv4)])
        }
        guard let portText = entry.arguments.first, let port = UInt16(portText), port > 0 else {
            return .failure(Reason("no port: a service of every port, which drcheck cannot list"))
        }
        return addresses(entry.keyword).map { $0.map { .virtual(Endpoint(address: $0, port: port), transport) } }
    }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// Every address `text` names: one address, FIRST-LAST (LAST whole, or only its last part: an IPv4 octet, an
    /// IPv6 group in hex) or ADDR/PREFIX.
    static func addresses(_ text: String) -> Result<[IPAddress], Reason> {
        if let address = IPAddress(text) { return .success([address]) }
        let bad = Reason("\(text) is neither an address nor a range of them")
        let parts = text.split(separator: text.contains("/") ? "/" : "-", maxSplits: 1).map(String.init)
        guard parts.count == 2, let first = IPAddress(parts[0]) else { return .failure(bad) }
        var bytes = first.bytes
        let last: [UInt8]
        if text.contains("/") {
            guard let prefix = Int(parts[1]), prefix >= 0, prefix <= bytes.count * 8 else { return .failure(bad) }
            last = (0..<bytes.count).map { index in
                let hostBits = max(0, min(8, (index + 1) * 8 - prefix))
                return bytes[index] | UInt8((1 << hostBits) - 1)
            }
        } else if let whole = IPAddress(parts[1]), whole.family == first.family {
            last = whole.bytes
        } else if first.family == .ipv4, let octet = UInt8(parts[1]) {
            last = bytes.dropLast() + [octet]
        } else if first.family == .ipv6, let group = UInt16(parts[1], radix: 16) {
            last = bytes.dropLast(2) + [UInt8(group >> 8), UInt8(group & 0xFF)]
        } else {
            return .failure(bad)
        }
        guard bytes.lexicographicallyPrecedes(last) || bytes == last else { return .failure(bad) }
        var result: [IPAddress] = []
        while true {
            guard result.count < rangeLimit else {
                return .failure(Reason("\(text) holds more than \(rangeLimit) addresses"))
            }
            result.append(IPAddress(bytes: bytes)!)
            if bytes == last { return .success(result) }
            increment(&bytes)
        }
    }

    private static func increment(_ bytes: inout [UInt8]) {
        for index in bytes.indices.reversed() {
            bytes[index] &+= 1
            if bytes[index] != 0 { return }
        }
    }
}
