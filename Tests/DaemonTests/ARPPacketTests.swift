import Testing

@testable import Daemon

@Suite struct ARPPacketTests {
    let mac: [UInt8] = [0x52, 0x54, 0x00, 0x0a, 0xbc, 0x01]

    @Test func probeIsADuplicateAddressDetectionRequest() {
        let bytes = ARPPacket.probe(for: [198, 51, 100, 33], from: mac).bytes
        #expect(bytes.count == ARPPacket.size)
        #expect(
            bytes == [0, 1, 0x08, 0x00, 6, 4, 0, 1] + mac + [0, 0, 0, 0] + [0, 0, 0, 0, 0, 0] + [198, 51, 100, 33])
    }

    @Test func replyRoundTripsAndGarbageIsRejected() {
        let reply = ARPPacket(
            operation: .reply, senderMAC: mac, senderIP: [198, 51, 100, 33], targetMAC: [1, 2, 3, 4, 5, 6],
            targetIP: [0, 0, 0, 0])
        #expect(ARPPacket(reply.bytes) == reply)
        #expect(ARPPacket(reply.bytes + [0, 0, 0]) == reply)  // Ethernet padding after the message
        #expect(ARPPacket(reply.bytes.prefix(27)) == nil)
        var otherHardware = reply.bytes
        otherHardware[1] = 6
        #expect(ARPPacket(otherHardware) == nil)
        var badOperation = reply.bytes
        badOperation[7] = 9
        #expect(ARPPacket(badOperation) == nil)
    }

    @Test func macsAreFormattedWithLeadingZeros() {
        #expect(formatMAC(mac) == "52:54:00:0a:bc:01")
    }
}
