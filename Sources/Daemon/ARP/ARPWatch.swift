import EventLoop
import Glibc
import IPVS
import Primitives

/// A real server (or any host) that answers ARP for a VIP the director holds: the seed's "VIP conflict", from a
/// real server whose arp_ignore/arp_announce are missing.
struct ARPConflict: Hashable, Comparable, CustomStringConvertible {
    var vip: IPAddress
    var interface: String
    var mac: String
    /// The real server that owns the MAC (it also answered for its RIP), else the neighbour table's address for it.
    var host: IPAddress?
    var realServer: IPAddress?

    /// By the VIP as written, then the MAC: the order the log and the status page have always had.
    static func < (a: ARPConflict, b: ARPConflict) -> Bool {
        (a.vip.description, a.mac) < (b.vip.description, b.mac)
    }

    var description: String {
        let who = realServer.map { "real server \($0)" } ?? host.map { "host \($0)" } ?? "an unknown host"
        return "\(who) (MAC \(mac)) answers ARP for VIP \(vip) on \(interface)"
    }
}

/// Every period, for each VIP the director holds, sends a duplicate-address-detection ARP probe on the VIP's
/// interface, and an ARP probe for each of that VIP's real servers (a server that answers for the VIP on the
/// clients' network also answers for its RIP there, which names it). Any answer for the VIP from a MAC that is not
/// the director's is a conflict. Everything runs on the loop; results come once per round.
final class ARPWatch {
    struct Subject: Equatable {
        var vip: IPAddress
        var interface: String
        var realServers: [IPAddress]
    }

    private let loop: EventLoop
    private let period: Duration
    private let window: Duration
    private let onRound: ([ARPConflict]) -> Void
    private let onError: (String) -> Void
    private var subjects: [Subject] = []
    private var sockets: [String: ARPSocket] = [:]
    private var vipAnswers: [[UInt8]: Set<[UInt8]>] = [:]
    private var ripOwners: [[UInt8]: [UInt8]] = [:]
    private var timer: EventLoop.TimerID?

    init(
        loop: EventLoop, period: Duration, onRound: @escaping ([ARPConflict]) -> Void,
        onError: @escaping (String) -> Void
    ) {
        self.loop = loop
        self.period = period
        // Answers come within milliseconds on a LAN; the window stays well inside the period.
        window = min(.seconds(1), period / 2)
        self.onRound = onRound
        self.onError = onError
    }

    deinit { stop() }

    func update(_ subjects: [Subject]) {
        self.subjects = subjects
        for interface in Set(sockets.keys).subtracting(subjects.map(\.interface)) {
            loop.unwatch(sockets[interface]!.fd)
            sockets[interface] = nil
        }
        if timer == nil { timer = loop.schedule(after: .zero) { [weak self] in self?.round() } }
    }

    func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
        for socket in sockets.values { loop.unwatch(socket.fd) }
        sockets.removeAll()
    }

    private func round() {
        vipAnswers.removeAll()
        ripOwners.removeAll()
        for subject in subjects {
            guard let socket = socket(subject.interface) else { continue }
            socket.send(.probe(for: subject.vip.bytes, from: socket.mac))
            for server in subject.realServers where server.family == .ipv4 {
                socket.send(.probe(for: server.bytes, from: socket.mac))
            }
        }
        timer = loop.schedule(after: window) { [weak self] in self?.finish() }
    }

    private func finish() {
        let neighbours = Neighbours.read()
        var conflicts: [ARPConflict] = []
        for subject in subjects {
            for mac in vipAnswers[subject.vip.bytes] ?? [] {
                let owner = ripOwners[mac].flatMap { IPAddress(bytes: $0) }
                conflicts.append(
                    ARPConflict(
                        vip: subject.vip, interface: subject.interface, mac: formatMAC(mac),
                        host: neighbours[formatMAC(mac)], realServer: owner))
            }
        }
        onRound(conflicts.sorted())
        timer = loop.schedule(after: period - window) { [weak self] in self?.round() }
    }

    private func socket(_ interface: String) -> ARPSocket? {
        if let socket = sockets[interface] { return socket }
        do {
            let socket = try ARPSocket(interface: interface)
            try loop.watch(socket.fd, for: .readable) { [weak self] _ in self?.received(on: interface) }
            sockets[interface] = socket
            return socket
        } catch {
            let hint = [EPERM, EACCES].contains(error.errno) ? " (it needs CAP_NET_RAW)" : ""
            onError("ARP watch on \(interface) is off: \(error)\(hint)")
            return nil
        }
    }

    private func received(on interface: String) {
        guard let socket = sockets[interface] else { return }
        for packet in socket.receive() where packet.senderMAC != socket.mac {
            if subjects.contains(where: { $0.interface == interface && $0.vip.bytes == packet.senderIP }) {
                vipAnswers[packet.senderIP, default: []].insert(packet.senderMAC)
            }
            if subjects.contains(where: { $0.realServers.contains { $0.bytes == packet.senderIP } }) {
                ripOwners[packet.senderMAC] = packet.senderIP
            }
        }
    }
}

/// The kernel's IPv4 neighbour table (/proc/net/arp): MAC to address.
enum Neighbours {
    static func read() -> [String: IPAddress] {
        guard let text = readSmallFile("/proc/net/arp") else { return [:] }
        var table: [String: IPAddress] = [:]
        // "IP address  HW type  Flags  HW address  Mask  Device", a header line first.
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, fields[3] != "00:00:00:00:00:00", let address = IPAddress(String(fields[0])) else {
                continue
            }
            table[String(fields[3])] = address
        }
        return table
    }
}
