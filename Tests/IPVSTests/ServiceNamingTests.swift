import Primitives
import Testing

@testable import IPVS

@Test func parsesServiceNames() {
    let vip = IPAddress("198.51.100.33")!
    #expect(ServiceKey(parsing: "tcp:198.51.100.33:8000") == .address(.tcp, vip, port: 8000))
    #expect(ServiceKey(parsing: "198.51.100.33:8000") == .address(.tcp, vip, port: 8000))
    #expect(ServiceKey(parsing: "sctp:198.51.100.33:9") == .address(.sctp, vip, port: 9))
    #expect(ServiceKey(parsing: "udp:[2001:db8::33]:53") == .address(.udp, IPAddress("2001:db8::33")!, port: 53))
    #expect(ServiceKey(parsing: "tcp:198.51.100.33:0") == .address(.tcp, vip, port: 0))  // a persistent all-ports VIP
    #expect(ServiceKey(parsing: "fwmark:5") == .fwmark(5, family: .ipv4))
    #expect(ServiceKey(parsing: "fwmark:5:ipv6") == .fwmark(5, family: .ipv6))
    #expect(ServiceKey(parsing: "fwmark:5/ipv6") == .fwmark(5, family: .ipv6))
    for bad in [
        "fwmark:0", "fwmark:x", "fwmark:+5", "fwmark:5:ipv5", "fwmark:5/ipv6/x", "icmp:198.51.100.33:1",
        "tcp:198.51.100.33", "", "tcp:",
        "tcp:[198.51.100.33]:80", "tcp:198.51.100.33:+80", "2001:db8::33:53",
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
