import Testing

@testable import Primitives

@Suite struct IPAddressTests {
    @Test func parsesAndPrintsIPv4() throws {
        let address = try #require(IPAddress("203.0.113.21"))
        #expect(address.family == .ipv4)
        #expect(address.bytes == [203, 0, 113, 21])
        #expect(address.description == "203.0.113.21")
        #expect(IPAddress("0.0.0.0")?.description == "0.0.0.0")
        #expect(IPAddress("255.255.255.255")?.bytes == [255, 255, 255, 255])
    }

    @Test func printsIPv6InInetNtopsCompressedForm() throws {
        let address = try #require(IPAddress("2001:0DB8:0:0:0:0:0:0021"))
        #expect(address.family == .ipv6)
        #expect(address.bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [0x21])
        #expect(address.description == "2001:db8::21")
        #expect(IPAddress("2001:db8:0:1:0:0:0:1")?.description == "2001:db8:0:1::1")  // the longest zero run
        #expect(IPAddress("2001:db8:1:0:1:0:0:1")?.description == "2001:db8:1:0:1::1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::1")?.description == "::1")
        #expect(IPAddress("fe80::")?.description == "fe80::")
        #expect(
            IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")?.description
                == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    }

    @Test func keepsV4MappedAddressesIPv6() throws {
        let mapped = try #require(IPAddress("::ffff:198.51.100.2"))
        #expect(mapped.family == .ipv6)
        #expect(mapped.description == "::ffff:198.51.100.2")
        #expect(IPAddress("::FFFF:C633:6402") == mapped)
        #expect(mapped.bytes == Array(repeating: 0, count: 10) + [0xff, 0xff, 198, 51, 100, 2])
        #expect(mapped != IPAddress("198.51.100.2"))
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4 ", " 1.2.3.4", "256.1.1.1", "1.2.3.4.5", "::g", "1::2::3", "[::1]", "fe80::1%eth0",
        "example.com", "2001:db8::1:80:1:2:3:4:5",
    ])
    func rejectsWhatIsNotAnAddress(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func readsOnlyAddressLengthsOfBytes() {
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: [UInt8](repeating: 1, count: 5)) == nil)
        #expect(IPAddress(bytes: []) == nil)
        #expect(IPAddress(bytes: [198, 51, 100, 33]) == IPAddress("198.51.100.33"))
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [0x21]
        #expect(IPAddress(bytes: v6) == IPAddress("2001:db8::21"))
        #expect(IPAddress(bytes: v6[...].prefix(4))?.description == "32.1.13.184")  // any collection of bytes
    }

    @Test func roundTripsBytesAndText() throws {
        for text in ["198.51.100.33", "203.0.113.255", "2001:db8::1", "::ffff:198.51.100.2", "fe80::1:2:3:4"] {
            let address = try #require(IPAddress(text))
            #expect(IPAddress(bytes: address.bytes) == address, "\(text)")
            #expect(IPAddress(address.description) == address, "\(text)")
        }
    }

    @Test func equalAddressesHashAlike() throws {
        let spellings = ["2001:db8::1", "2001:DB8:0::1", "2001:0db8:0000:0000:0000:0000:0000:0001"]
        let addresses = try spellings.map { try #require(IPAddress($0)) }
        #expect(Set(addresses).count == 1)
        #expect(Set(addresses.map(\.hashValue)).count == 1)
        // The same numeric value in the other family, or one bit apart, is another address.
        let distinct = ["0.0.0.1", "::1", "0.0.0.0", "::", "198.51.100.2", "::ffff:198.51.100.2", "::c633:6402"]
        #expect(Set(distinct.compactMap(IPAddress.init)).count == distinct.count)
        let servers = Dictionary(
            uniqueKeysWithValues: [("203.0.113.21", 1), ("203.0.113.22", 2)].map {
                (IPAddress($0.0)!, $0.1)
            })
        #expect(servers[IPAddress("203.0.113.22")!] == 2)
        #expect(servers[IPAddress("::ffff:203.0.113.22")!] == nil)
    }

    @Test func ordersIPv4BeforeIPv6ThenNumerically() {
        let sorted = ["::1", "203.0.113.10", "2001:db8::", "255.255.255.255", "203.0.113.9", "::", "1.0.0.0"]
            .compactMap(IPAddress.init).sorted().map(\.description)
        #expect(sorted == ["1.0.0.0", "203.0.113.9", "203.0.113.10", "255.255.255.255", "::", "::1", "2001:db8::"])
    }

    @Test func namesFamiliesAsTheKernelNumbersThem() {
        #expect(AddressFamily.ipv4.rawValue == 2)
        #expect(AddressFamily.ipv6.rawValue == 10)
        #expect(AddressFamily.allCases.map(\.description) == ["ipv4", "ipv6"])
        #expect(AddressFamily.allCases.map(\.addressLength) == [4, 16])
    }
}
