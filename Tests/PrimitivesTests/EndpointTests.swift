import Foundation
import Testing

@testable import Primitives

@Suite struct EndpointTests {
    @Test func parsesAndPrintsBothFamilies() {
        #expect(Endpoint("203.0.113.21:8000") == Endpoint(address: IPAddress("203.0.113.21")!, port: 8000))
        #expect(Endpoint("203.0.113.21:8000")?.description == "203.0.113.21:8000")
        #expect(Endpoint("[2001:DB8:0::1]:80")?.description == "[2001:db8::1]:80")
        #expect(Endpoint("[::ffff:198.51.100.2]:80")?.description == "[::ffff:198.51.100.2]:80")
        #expect(Endpoint("198.51.100.1:65535")?.port == 65535)
    }

    @Test func portZeroOnlyWhenAllowed() {
        #expect(Endpoint("198.51.100.1:0") == nil)
        #expect(Endpoint("198.51.100.1:0", allowPortZero: true)?.port == 0)
        #expect(Endpoint("[2001:db8::21]:0", allowPortZero: true)?.description == "[2001:db8::21]:0")
    }

    @Test(arguments: [
        "203.0.113.21", "203.0.113.21:65536", "2001:db8::21:80", "[2001:db8::21]80", "[2001:db8::21]", "[x]:1",
        ":80", "1.2.3.4:", "1.2.3.4:+80", "1.2.3.4: 80", "1.2.3.4:0x50", "[198.51.100.1]:80", "example.com:80", "",
    ])
    func rejects(_ text: String) {
        #expect(Endpoint(text, allowPortZero: true) == nil)
    }

    @Test func ordersByAddressThenPort() {
        let sorted = ["[::1]:1", "203.0.113.10:80", "203.0.113.9:8000", "203.0.113.9:80"].compactMap { Endpoint($0) }
            .sorted().map(\.description)
        #expect(sorted == ["203.0.113.9:80", "203.0.113.9:8000", "203.0.113.10:80", "[::1]:1"])
    }

    @Test func codesAsItsText() throws {
        let endpoints = [Endpoint("[2001:db8::7]:80")!, Endpoint("203.0.113.21:0", allowPortZero: true)!]
        let json = try JSONEncoder().encode(endpoints)
        #expect(String(decoding: json, as: UTF8.self) == #"["[2001:db8::7]:80","203.0.113.21:0"]"#)
        #expect(try JSONDecoder().decode([Endpoint].self, from: json) == endpoints)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Endpoint].self, from: Data(#"["x:1"]"#.utf8)) }
    }
}
