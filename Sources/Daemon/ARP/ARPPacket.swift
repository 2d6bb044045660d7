/// An Ethernet/IPv4 ARP message (RFC 826), the 28 bytes after the link header.
struct ARPPacket: Equatable {
    enum Operation: UInt16 {
        case request = 1
        case reply = 2
    }

    static let size = 28

    var operation: Operation
    var senderMAC: [UInt8]
    var senderIP: [UInt8]
    var targetMAC: [UInt8]
    var targetIP: [UInt8]

    /// A duplicate-address-detection probe (RFC 5227): "who has `target`?" from sender address 0.0.0.0, so that no
    /// host updates its ARP cache from it and any host that holds `target` answers.
    static func probe(for target: [UInt8], from mac: [UInt8]) -> ARPPacket {
        ARPPacket(
            operation: .request, senderMAC: mac, senderIP: [0, 0, 0, 0], targetMAC: [0, 0, 0, 0, 0, 0],
            targetIP: target)
    }

    var bytes: [UInt8] {
        // Hardware type Ethernet (1), protocol IPv4 (0x0800), address lengths 6 and 4.
        [0, 1, 0x08, 0x00, 6, 4, 0, UInt8(operation.rawValue)] + senderMAC + senderIP + targetMAC + targetIP
    }

    /// Parses an Ethernet/IPv4 ARP message; nil for anything else.
    init?(_ bytes: some Collection<UInt8>) {
        let b = Array(bytes)
        guard b.count >= Self.size, b[0...5] == [0, 1, 0x08, 0x00, 6, 4], b[6] == 0,
            let operation = Operation(rawValue: UInt16(b[7]))
        else { return nil }
        self.operation = operation
        senderMAC = Array(b[8..<14])
        senderIP = Array(b[14..<18])
        targetMAC = Array(b[18..<24])
        targetIP = Array(b[24..<28])
    }

    init(operation: Operation, senderMAC: [UInt8], senderIP: [UInt8], targetMAC: [UInt8], targetIP: [UInt8]) {
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }
}

/// `52:54:00:ab:cd:ef`.
func formatMAC(_ mac: [UInt8]) -> String {
    mac.map { byte in
        let hex = String(byte, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }.joined(separator: ":")
}
