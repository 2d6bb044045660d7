import Foundation
import Primitives
import Testing

/// One text for a service everywhere (logs, errors, labels, the state file), read back exactly; the forms an
/// operator types after ipvsadm are read too.
@Suite struct ServiceKeyTests {
    let vip = Endpoint("198.51.100.33:8000")!

    @Test func virtualServicesReadBackFromTheirText() {
        let v6 = ServiceKey.virtual(Endpoint("[2001:db8::1]:443")!, .sctp)
        #expect(v6.description == "[2001:db8::1]:443/sctp")
        #expect(v6.label == "[2001:db8::1]:443")
        #expect(v6.family == .ipv6)
        #expect(ServiceKey(v6.description) == v6)
        #expect(ServiceKey("[2001:DB8:0::1]:80/tcp")?.description == "[2001:db8::1]:80/tcp")
        // A persistent service on every port has port 0; discovery may find one, so its text must read back.
        #expect(ServiceKey("198.51.100.33:0/tcp") == .virtual(Endpoint("198.51.100.33:0", allowPortZero: true)!, .tcp))
    }

    @Test func fwmarkKeysCarryTheirFamily() {
        let v4 = ServiceKey.fwmark(5, family: .ipv4)
        let v6 = ServiceKey.fwmark(5, family: .ipv6)
        #expect((v4.description, v4.label, v4.family) == ("fwmark:5", "fwmark:5", .ipv4))
        #expect((v6.description, v6.label, v6.family) == ("fwmark:5/ipv6", "fwmark:5/ipv6", .ipv6))
        #expect(ServiceKey("fwmark:5") == v4)
        #expect(ServiceKey("fwmark:5/ipv6") == v6)
        #expect(ServiceKey("fwmark:5/ipv4") == v4)
        #expect(ServiceKey("fwmark:4294967295/ipv6") == .fwmark(UInt32.max, family: .ipv6))
        #expect(v4 != v6)
    }

    @Test func readsWhatOperatorsTypeAfterIpvsadm() {
        #expect(ServiceKey("tcp:198.51.100.33:8000") == .virtual(vip, .tcp))
        #expect(ServiceKey("198.51.100.33:8000") == .virtual(vip, .tcp))
        #expect(ServiceKey("sctp:198.51.100.33:8000") == .virtual(vip, .sctp))
        #expect(ServiceKey("udp:[2001:db8::33]:53") == .virtual(Endpoint("[2001:db8::33]:53")!, .udp))
        #expect(ServiceKey("fwmark:5:ipv6") == .fwmark(5, family: .ipv6))
    }

    @Test func refusesAnythingElse() {
        for bad in [
            "fwmark:0", "fwmark:0/ipv6", "fwmark:x", "fwmark:+5", "fwmark:5:ipv5", "fwmark:5/inet6", "fwmark:5/",
            "fwmark:/ipv6", "fwmark:5/ipv6/ipv6", "fwmark:4294967296", "198.51.100.33:8000/icmp",
            "icmp:198.51.100.33:1",
            "198.51.100.33:8000/", "tcp:198.51.100.33:8000/udp", "tcp:198.51.100.33", "", "tcp:", "/tcp",
            "tcp:[198.51.100.33]:80", "tcp:198.51.100.33:+80", "2001:db8::33:53", "198.51.100.33:65536/tcp",
        ] {
            #expect(ServiceKey(bad) == nil, "\(bad)")
        }
    }

    @Test func sortsVirtualServicesFirstThenMarksIPv4First() {
        let keys: [ServiceKey] = [
            .fwmark(5, family: .ipv6), .fwmark(5, family: .ipv4), .virtual(vip, .udp), .fwmark(4, family: .ipv6),
            .virtual(vip, .tcp),
        ]
        #expect(
            keys.sorted().map(\.description) == [
                "198.51.100.33:8000/tcp", "198.51.100.33:8000/udp", "fwmark:4/ipv6", "fwmark:5", "fwmark:5/ipv6",
            ])
    }

    @Test func codesAsItsText() throws {
        let keys: [ServiceKey] = [.virtual(vip, .udp), .fwmark(5, family: .ipv6)]
        let json = try JSONEncoder().encode(keys)
        #expect(String(decoding: json, as: UTF8.self) == #"["198.51.100.33:8000\/udp","fwmark:5\/ipv6"]"#)
        #expect(try JSONDecoder().decode([ServiceKey].self, from: json) == keys)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ServiceKey].self, from: Data(#"["fwmark:0"]"#.utf8))
        }
    }
}
