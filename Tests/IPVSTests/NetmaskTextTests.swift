import Primitives
import Testing

@testable import IPVS

@Test func printsNetmasksAsIpvsadm() {
    let v4 = Service(key: .fwmark(5, family: .ipv4), scheduler: "sh", netmask: UInt32(bigEndian: 0xffff_ff00))
    #expect(v4.netmaskText == "255.255.255.0")
    #expect(Service(key: .fwmark(5, family: .ipv4), scheduler: "rr").netmaskText == "255.255.255.255")
    #expect(Service(key: .fwmark(7, family: .ipv6), scheduler: "rr").netmaskText == "128")
}
