import CNetlink
import Primitives
import Testing

@testable import IPVS

private let vip = IPAddress("198.51.100.33")!
private let gue = Destination(
    address: IPAddress("2001:db8::21")!, port: 53, forwarding: .tunnel, weight: 5, upperThreshold: 100,
    lowerThreshold: 10, tunnel: TunnelSettings(type: .gue, port: 6080, flags: [.remoteChecksum]))

private func request(_ command: Command = .setDest) throws -> NetlinkRequest {
    try NetlinkRequest(family: 0x20, command: UInt8(command.number), named: command.name)
}

@Test func setDestCarriesEveryFieldWithPortsBigEndian() throws {
    let message = try request()
    try message.put(service: .virtual(Endpoint("[2001:db8::33]:53")!, .udp))
    try message.put(destination: gue, full: true)
    let top = try NetlinkAttributes(message.attributeBytes)

    let service = try #require(try top.nested(IPVS_CMD_ATTR_SERVICE))
    #expect(try service.required(IPVS_SVC_ATTR_AF, "", as: UInt16.self) == 10)
    #expect(try service.required(IPVS_SVC_ATTR_PROTOCOL, "", as: UInt16.self) == 17)
    #expect(service.bytes(IPVS_SVC_ATTR_ADDR) == IPAddress("2001:db8::33")!.bytes)
    #expect(service.bytes(IPVS_SVC_ATTR_PORT) == [0, 53])
    #expect(!service.contains(IPVS_SVC_ATTR_SCHED_NAME))

    let dest = try #require(try top.nested(IPVS_CMD_ATTR_DEST))
    #expect(try dest.required(IPVS_DEST_ATTR_ADDR_FAMILY, "", as: UInt16.self) == 10)
    #expect(dest.bytes(IPVS_DEST_ATTR_PORT) == [0, 53])
    #expect(try dest.required(IPVS_DEST_ATTR_FWD_METHOD, "", as: UInt32.self) == 2)
    #expect(try dest.required(IPVS_DEST_ATTR_WEIGHT, "", as: UInt32.self) == 5)
    #expect(try dest.required(IPVS_DEST_ATTR_U_THRESH, "", as: UInt32.self) == 100)
    #expect(try dest.required(IPVS_DEST_ATTR_L_THRESH, "", as: UInt32.self) == 10)
    #expect(try dest.required(IPVS_DEST_ATTR_TUN_TYPE, "", as: UInt8.self) == 1)
    #expect(dest.bytes(IPVS_DEST_ATTR_TUN_PORT) == [0x17, 0xc0])  // 6080
    #expect(try dest.required(IPVS_DEST_ATTR_TUN_FLAGS, "", as: UInt16.self) == 2)
}

@Test func ipv4AddressesTravelAsSixteenBytes() throws {
    let message = try request(.delDest)
    try message.put(service: .virtual(Endpoint(address: vip, port: 8000), .tcp))
    try message.put(
        destination: Destination(address: IPAddress("203.0.113.21")!, port: 8000, forwarding: .route, weight: 0),
        full: false)
    let top = try NetlinkAttributes(message.attributeBytes)
    #expect(
        try top.nested(IPVS_CMD_ATTR_SERVICE)?.bytes(IPVS_SVC_ATTR_ADDR) == [198, 51, 100, 33]
            + Array(repeating: 0, count: 12))
    #expect(try top.nested(IPVS_CMD_ATTR_SERVICE)?.bytes(IPVS_SVC_ATTR_PORT) == [0x1f, 0x40])
    let dest = try #require(try top.nested(IPVS_CMD_ATTR_DEST))
    #expect(dest.bytes(IPVS_DEST_ATTR_ADDR) == [203, 0, 113, 21] + Array(repeating: 0, count: 12))
    // DEL_DEST names the destination only.
    #expect(!dest.contains(IPVS_DEST_ATTR_WEIGHT))
    #expect(!dest.contains(IPVS_DEST_ATTR_TUN_TYPE))
}

@Test func newServiceCarriesSettingsAndAFullFlagsMask() throws {
    let key = ServiceKey.fwmark(70_000, family: .ipv4)
    let message = try request(.newService)
    try message.put(service: key, full: Service(key: key, scheduler: "rr"))
    let service = try #require(try NetlinkAttributes(message.attributeBytes).nested(IPVS_CMD_ATTR_SERVICE))
    #expect(try service.required(IPVS_SVC_ATTR_FWMARK, "", as: UInt32.self) == 70_000)
    #expect(!service.contains(IPVS_SVC_ATTR_PROTOCOL))
    #expect(service.string(IPVS_SVC_ATTR_SCHED_NAME) == "rr")
    #expect(service.bytes(IPVS_SVC_ATTR_FLAGS) == [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
    #expect(try service.required(IPVS_SVC_ATTR_TIMEOUT, "", as: UInt32.self) == 0)
    #expect(try service.required(IPVS_SVC_ATTR_NETMASK, "", as: UInt32.self) == 0xffff_ffff)
}

/// A GET_DEST reply as the kernel builds it, STATS64 included.
@Test func decodesADestinationReply() throws {
    let message = try request(.getDest)
    try message.nest(IPVS_CMD_ATTR_DEST) { (reply) throws(IPVSError) in
        try reply.put(IPVS_DEST_ATTR_ADDR, bytes: gue.address.bytes)
        try reply.put(IPVS_DEST_ATTR_PORT, u16: UInt16(53).bigEndian)
        try reply.put(IPVS_DEST_ATTR_FWD_METHOD, u32: 2)
        try reply.put(IPVS_DEST_ATTR_WEIGHT, u32: 5)
        try reply.put(IPVS_DEST_ATTR_U_THRESH, u32: 100)
        try reply.put(IPVS_DEST_ATTR_L_THRESH, u32: 10)
        try reply.put(IPVS_DEST_ATTR_ACTIVE_CONNS, u32: 3)
        try reply.put(IPVS_DEST_ATTR_INACT_CONNS, u32: 4)
        try reply.put(IPVS_DEST_ATTR_PERSIST_CONNS, u32: 6)
        try reply.put(IPVS_DEST_ATTR_ADDR_FAMILY, u16: 10)
        try reply.put(IPVS_DEST_ATTR_TUN_TYPE, u8: 1)
        try reply.put(IPVS_DEST_ATTR_TUN_PORT, u16: UInt16(6080).bigEndian)
        try reply.put(IPVS_DEST_ATTR_TUN_FLAGS, u16: 2)
        try reply.nest(IPVS_DEST_ATTR_STATS64) { (stats) throws(IPVSError) in
            try stats.put(IPVS_STATS_ATTR_CONNS, bytes: withUnsafeBytes(of: UInt64(1) << 40) { Array($0) })
            try stats.put(IPVS_STATS_ATTR_OUTBPS, bytes: withUnsafeBytes(of: UInt64(77)) { Array($0) })
        }
    }
    let decoded = try Destination(reply: try NetlinkAttributes(message.attributeBytes), serviceFamily: .ipv4)
    var expected = gue
    expected.activeConnections = 3
    expected.inactiveConnections = 4
    expected.persistentConnections = 6
    expected.stats.connections = 1 << 40
    expected.stats.outByteRate = 77
    #expect(decoded == expected)
}

/// The kernel sends union nf_inet_addr, 16 bytes whatever the family; an IPv4 address is its first 4.
@Test func decodesAddressesFromTheKernelsUnion() throws {
    let message = try request(.getDest)
    try message.put(IPVS_DEST_ATTR_ADDR, bytes: [203, 0, 113, 21] + Array(repeating: 0xee, count: 12))
    try message.put(IPVS_SVC_ATTR_ADDR, bytes: IPAddress("2001:db8::21")!.bytes)
    try message.put(IPVS_DEST_ATTR_PORT, bytes: [203, 0, 113])
    let reply = try NetlinkAttributes(message.attributeBytes)
    #expect(try IPAddress(wire: reply, IPVS_DEST_ATTR_ADDR, family: .ipv4, "DEST_ADDR") == IPAddress("203.0.113.21"))
    #expect(try IPAddress(wire: reply, IPVS_SVC_ATTR_ADDR, family: .ipv6, "SVC_ADDR").description == "2001:db8::21")
    #expect(throws: IPVSError.malformedReply("DEST_PORT missing or short")) {
        try IPAddress(wire: reply, IPVS_DEST_ATTR_PORT, family: .ipv4, "DEST_PORT")
    }
}

@Test func refusesTruncatedAndMissizedAttributes() throws {
    // nla_len 8 with only 6 bytes present.
    #expect(throws: IPVSError.self) { try NetlinkAttributes([8, 0, 1, 0, 0, 0]) }
    let wrongSize = try NetlinkAttributes([6, 0, 1, 0, 0x50, 0, 0, 0])
    #expect(throws: IPVSError.malformedReply("WEIGHT has 2 bytes, expected 4")) {
        try wrongSize.required(1, "WEIGHT", as: UInt32.self)
    }
    #expect(throws: IPVSError.malformedReply("CMD_ATTR_DEST missing")) {
        try Destination(reply: try NetlinkAttributes([]), serviceFamily: .ipv4)
    }
}

/// A GET_SERVICE reply of an older kernel: STATS only (u32 counters, u64 bytes), no STATS64.
@Test func decodesAServiceReplyWithNarrowStats() throws {
    let message = try request(.getService)
    try message.nest(IPVS_CMD_ATTR_SERVICE) { (reply) throws(IPVSError) in
        try reply.put(IPVS_SVC_ATTR_AF, u16: 2)
        try reply.put(IPVS_SVC_ATTR_FWMARK, u32: 5)
        try reply.put(IPVS_SVC_ATTR_SCHED_NAME, string: "sh")
        try reply.put(IPVS_SVC_ATTR_FLAGS, bytes: withUnsafeBytes(of: (UInt32(0x1b), UInt32.max)) { Array($0) })
        try reply.put(IPVS_SVC_ATTR_TIMEOUT, u32: 60)
        try reply.put(IPVS_SVC_ATTR_NETMASK, u32: UInt32(bigEndian: 0xffff_ff00))
        try reply.put(IPVS_SVC_ATTR_PE_NAME, string: "sip")
        try reply.nest(IPVS_SVC_ATTR_STATS) { (stats) throws(IPVSError) in
            try stats.put(IPVS_STATS_ATTR_CONNS, u32: 30)
            try stats.put(IPVS_STATS_ATTR_INBYTES, bytes: withUnsafeBytes(of: UInt64(5) << 32) { Array($0) })
        }
    }
    let service = try Service(reply: try NetlinkAttributes(message.attributeBytes))
    var stats = Stats()
    stats.connections = 30
    stats.inBytes = 5 << 32
    #expect(
        service
            == Service(
                key: .fwmark(5, family: .ipv4), scheduler: "sh",
                flags: [.persistent, .hashed, .schedulerFlag1, .schedulerFlag2], timeout: 60,
                netmask: UInt32(bigEndian: 0xffff_ff00), persistenceEngine: "sip", stats: stats))
}

@Test func decodesInfo() throws {
    let reply = try request(.getInfo)
    try reply.put(IPVS_INFO_ATTR_VERSION, u32: 0x01_0201)
    try reply.put(IPVS_INFO_ATTR_CONN_TAB_SIZE, u32: 4096)
    let info = try IPVSInfo(reply: try NetlinkAttributes(reply.attributeBytes))
    #expect(info == IPVSInfo(version: 0x01_0201, connectionTableSize: 4096))
    #expect(info.versionText == "1.2.1")
}
