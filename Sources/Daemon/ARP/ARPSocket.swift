import CLinux
import EventLoop
import Glibc
import Primitives

/// A packet socket that sends and receives ARP on one interface (needs CAP_NET_RAW).
final class ARPSocket {
    let interface: String
    let fd: Int32
    let mac: [UInt8]
    private let index: Int32

    init(interface: String) throws(SystemError) {
        self.interface = interface
        index = Int32(if_nametoindex(interface))
        guard index > 0 else { throw SystemError("if_nametoindex(\(interface))") }
        guard let mac = Self.hardwareAddress(interface) else {
            throw SystemError("reading the MAC address of \(interface)", errno: ENODEV)
        }
        self.mac = mac
        fd = socket(
            AF_PACKET, Int32(SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
            Int32(UInt16(ETH_P_ARP).bigEndian))
        guard fd >= 0 else { throw SystemError("socket(AF_PACKET) on \(interface)") }
        var address = linkAddress()
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
            }
        }
        guard bound == 0 else {
            let error = SystemError("bind(AF_PACKET) to \(interface)")
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Broadcasts `packet` on the interface.
    func send(_ packet: ARPPacket) {
        var address = linkAddress()
        address.sll_halen = 6
        withUnsafeMutableBytes(of: &address.sll_addr) { $0.copyBytes(from: [UInt8](repeating: 0xff, count: 6)) }
        let bytes = packet.bytes
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
            }
        }
    }

    /// Every ARP message waiting on the socket that another host sent.
    func receive() -> [ARPPacket] {
        var packets: [ARPPacket] = []
        var buffer = [UInt8](repeating: 0, count: 128)
        while true {
            var from = sockaddr_ll()
            var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let count = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, &buffer, buffer.count, 0, $0, &length)
                }
            }
            guard count > 0 else { return packets }
            // Our own broadcasts come back as PACKET_OUTGOING.
            guard Int32(from.sll_pkttype) != PACKET_OUTGOING, let packet = ARPPacket(buffer.prefix(count)) else {
                continue
            }
            packets.append(packet)
        }
    }

    private func linkAddress() -> sockaddr_ll {
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = UInt16(ETH_P_ARP).bigEndian
        address.sll_ifindex = index
        return address
    }

    private static func hardwareAddress(_ interface: String) -> [UInt8]? {
        guard let text = readSmallFile("/sys/class/net/\(interface)/address") else { return nil }
        let bytes = text.split(separator: ":").compactMap { UInt8($0.prefix(2), radix: 16) }
        return bytes.count == 6 ? bytes : nil
    }
}
