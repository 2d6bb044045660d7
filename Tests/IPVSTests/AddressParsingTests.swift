import Testing

@testable import IPVS

@Test func parsesAndPrintsIPv4() {
    let address = IPAddress("203.0.113.21")
    #expect(address?.bytes == [203, 0, 113, 21])
    #expect(address?.family == .ipv4)
    #expect(address?.description == "203.0.113.21")
    #expect(address?.endpoint(port: 8000) == "203.0.113.21:8000")
}

@Test func printsIPv6AsInetNtopDoes() {
    let address = IPAddress("2001:0DB8:0:0:0:0:0:0021")
    #expect(address?.family == .ipv6)
    #expect(address?.bytes.count == 16)
    #expect(address?.description == "2001:db8::21")
    #expect(address?.endpoint(port: 53) == "[2001:db8::21]:53")
    #expect(IPAddress("::ffff:198.51.100.2")?.description == "::ffff:198.51.100.2")
}

@Test(arguments: ["", "1.2.3", "1.2.3.4 ", "256.1.1.1", "::g", "[::1]", "fe80::1%eth0", "example.com"])
func rejectsWhatIsNotAnAddress(_ text: String) {
    #expect(IPAddress(text) == nil)
}

@Test func acceptsOnlyAddressLengths() {
    #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    #expect(IPAddress(bytes: [198, 51, 100, 33])?.description == "198.51.100.33")
}

@Test func ordersIPv4BeforeIPv6ThenByBytes() {
    #expect(IPAddress("203.0.113.9")! < IPAddress("203.0.113.10")!)
    #expect(IPAddress("255.255.255.255")! < IPAddress("::1")!)
}

@Test func parsesEndpoints() {
    #expect(IPAddress.parseEndpoint("203.0.113.21:8000")! == (IPAddress("203.0.113.21")!, 8000))
    #expect(IPAddress.parseEndpoint("[2001:db8::21]:0")! == (IPAddress("2001:db8::21")!, 0))
    for bad in [
        "203.0.113.21", "203.0.113.21:65536", "2001:db8::21:80", "[2001:db8::21]80", "[x]:1", ":80", "1.2.3.4:+80",
    ] {
        #expect(IPAddress.parseEndpoint(bad) == nil, "\(bad)")
    }
}

@Test func parsesServiceNames() {
    let vip = IPAddress("198.51.100.33")!
    #expect(ServiceKey(parsing: "tcp:198.51.100.33:8000") == .address(.tcp, vip, port: 8000))
    #expect(ServiceKey(parsing: "198.51.100.33:8000") == .address(.tcp, vip, port: 8000))
    #expect(ServiceKey(parsing: "sctp:198.51.100.33:9") == .address(.sctp, vip, port: 9))
    #expect(ServiceKey(parsing: "udp:[2001:db8::33]:53") == .address(.udp, IPAddress("2001:db8::33")!, port: 53))
    #expect(ServiceKey(parsing: "fwmark:5") == .fwmark(5, family: .ipv4))
    #expect(ServiceKey(parsing: "fwmark:5:ipv6") == .fwmark(5, family: .ipv6))
    for bad in [
        "fwmark:0", "fwmark:x", "fwmark:+5", "fwmark:5:ipv5", "icmp:198.51.100.33:1", "tcp:198.51.100.33", "", "tcp:",
    ] {
        #expect(ServiceKey(parsing: bad) == nil, "\(bad)")
    }
    #expect(ServiceKey.address(.udp, IPAddress("2001:db8::33")!, port: 53).description == "udp [2001:db8::33]:53")
    #expect(ServiceKey.fwmark(7, family: .ipv6).description == "fwmark 7 ipv6")
}

@Test func printsNetmasksAsIpvsadm() {
    let v4 = Service(key: .fwmark(5, family: .ipv4), scheduler: "sh", netmask: UInt32(bigEndian: 0xffff_ff00))
    #expect(v4.netmaskText == "255.255.255.0")
    #expect(Service(key: .fwmark(5, family: .ipv4), scheduler: "rr").netmaskText == "255.255.255.255")
    #expect(Service(key: .fwmark(7, family: .ipv6), scheduler: "rr").netmaskText == "128")
}
