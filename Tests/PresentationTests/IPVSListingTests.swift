import Foundation
import IPVS
import Presentation
import Primitives
import Testing

/// A table and what `ipvsadm -Ln` printed for the same table in the lab (ipvsadm 1.31, Linux 6.1).
private let table = [
    ServiceEntry(
        service: Service(key: .fwmark(7, family: .ipv6), scheduler: "rr", flags: [.hashed, .onePacket]),
        destinations: []),
    ServiceEntry(
        service: Service(
            key: .fwmark(5, family: .ipv4), scheduler: "sh",
            flags: [.hashed, .persistent, .schedulerFlag1, .schedulerFlag2], timeout: 60,
            netmask: UInt32(bigEndian: 0xffff_ff00)),
        destinations: [
            Destination(
                address: IPAddress("203.0.113.23")!, port: 0, forwarding: .tunnel, weight: 1,
                tunnel: TunnelSettings(type: .gre, flags: .checksum))
        ]),
    ServiceEntry(
        service: Service(
            key: .virtual(Endpoint("[2001:db8::33]:53")!, .udp), scheduler: "wlc", flags: [.persistent],
            timeout: 300, netmask: 64),
        destinations: [
            Destination(
                address: IPAddress("2001:db8::21")!, port: 53, forwarding: .tunnel, weight: 5,
                tunnel: TunnelSettings(type: .gue, port: 6080))
        ]),
    ServiceEntry(
        service: Service(key: .virtual(Endpoint("198.51.100.34:9")!, .sctp), scheduler: "rr"),
        destinations: []),
    ServiceEntry(
        service: Service(key: .virtual(Endpoint("198.51.100.33:8000")!, .tcp), scheduler: "rr"),
        destinations: [
            Destination(
                address: IPAddress("203.0.113.22")!, port: 8080, forwarding: .masquerade, weight: 2,
                upperThreshold: 100, lowerThreshold: 10),
            Destination(address: IPAddress("203.0.113.21")!, port: 8000, forwarding: .route, weight: 3),
        ]),
]

@Test func laysOutTheTableAsIpvsadmDoes() {
    let expected = """
        IP Virtual Server version 1.2.1 (size=4096)
        Prot LocalAddress:Port Scheduler Flags
          -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
        TCP  198.51.100.33:8000 rr
          -> 203.0.113.21:8000            Route   3      0          0         
          -> 203.0.113.22:8080            Masq    2      0          0         
        SCTP 198.51.100.34:9 rr
        UDP  [2001:db8::33]:53 wlc persistent 300 mask 64
          -> [2001:db8::21]:53            Tunnel  5      0          0         
        FWM  5 sh (sh-fallback,sh-port) persistent 60 mask 255.255.255.0
          -> 203.0.113.23:0               Tunnel  1      0          0         
        FWM  7 IPv6 rr ops

        """
    #expect(ipvsadmListing(info: IPVSInfo(version: 0x01_0201, connectionTableSize: 4096), table: table) == expected)
}

@Test func jsonHasEveryKeyWithNullsForFwmarkServices() throws {
    let document = TableDocument(info: IPVSInfo(version: 0x01_0201, connectionTableSize: 4096), table: table)
    let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(document)) as! [String: Any]
    #expect(object["version"] as? String == "1.2.1")
    let services = object["services"] as! [[String: Any]]
    #expect(services.map { $0["scheduler"] as? String } == ["rr", "rr", "wlc", "sh", "rr"])
    let fwmark = services[3]
    #expect(fwmark["protocol"] is NSNull)
    #expect(fwmark["fwmark"] as? Int == 5)
    #expect(fwmark["netmask"] as? String == "255.255.255.0")
    #expect(fwmark["scheduler_flags"] as? [String] == ["sh-fallback", "sh-port"])
    let tunnel = (fwmark["destinations"] as! [[String: Any]])[0]["tunnel"] as! [String: Any]
    #expect(tunnel["type"] as? String == "gre")
    #expect(tunnel["checksum"] as? String == "csum")
    let tcp = services[0]["destinations"] as! [[String: Any]]
    #expect(tcp.map { $0["address"] as? String } == ["203.0.113.21", "203.0.113.22"])
    #expect(tcp[1]["forwarding"] as? String == "masquerade")
    #expect(tcp[1]["upper_threshold"] as? Int == 100)
    #expect(
        (tcp[1]["stats"] as! [String: Any]).keys.sorted() == [
            "connection_rate", "connections", "in_byte_rate", "in_bytes", "in_packet_rate", "in_packets",
            "out_byte_rate", "out_bytes", "out_packet_rate", "out_packets",
        ])
}

@Test func jsonNamesEachCounterByItsKey() throws {
    var stats = Stats()
    (stats.connections, stats.inPackets, stats.outPackets, stats.inBytes, stats.outBytes) = (1, 2, 3, 4, 5)
    (stats.connectionRate, stats.inPacketRate, stats.outPacketRate) = (6, 7, 8)
    (stats.inByteRate, stats.outByteRate) = (9, 10)
    let entry = ServiceEntry(
        service: Service(key: .fwmark(5, family: .ipv4), scheduler: "rr", stats: stats), destinations: [])
    let document = TableDocument(info: IPVSInfo(version: 0x01_0201, connectionTableSize: 4096), table: [entry])
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = String(decoding: try encoder.encode(document), as: UTF8.self)
    #expect(
        json.contains(
            #""stats":{"connection_rate":6,"connections":1,"in_byte_rate":9,"in_bytes":4,"in_packet_rate":7,"#
                + #""in_packets":2,"out_byte_rate":10,"out_bytes":5,"out_packet_rate":8,"out_packets":3}"#
        ))
}
