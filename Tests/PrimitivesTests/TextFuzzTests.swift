import FuzzSupport
import Testing

@testable import Primitives

/// Short hostile texts for the address, endpoint, service-key and status-range parsers: each is refused or gives a
/// value whose own text reads back as the same value. Texts are valid forms and their pieces, glued and then edited
/// character by character, so that both the accepting and the refusing paths are walked.
@Suite struct TextFuzzTests {
    static let cases = 10_000
    static let alphabet = Array("0123456789:.[]/-,abcdefxyz \t\n") + ["ü", "٣", "\u{0}", "\u{301}"]
    static let fragments = [
        "198.51.100.7", "203.0.113.255", "0.0.0.0", "2001:db8::1", "::ffff:198.51.100.7", "::", "2001:DB8:0::0021",
        "198.51.100.7:80", "203.0.113.1:0", "[2001:db8::1]:443", "[::]:65535", "198.51.100.7:65536",
        "tcp:198.51.100.7:80", "udp:[2001:db8::1]:53", "198.51.100.7:8000/sctp", "[2001:db8::2]:0/udp",
        "fwmark:5", "fwmark:4294967295/ipv6", "fwmark:7:ipv4", "fwmark:4294967296", "fwmark:0",
        "200", "599", "100-599", "200, 204,300 - 399", "600", "99999999999999999999", "-1",
        "[", "]:", ":", "/", "/tcp", "/ipv6", "tcp:", "fwmark:", ",", "-", " ",
    ]

    /// One to three fragments (mostly one), then up to three characters (mostly none) inserted, deleted or replaced.
    static func texts() -> [String] {
        var random = SplitMix64(seed: 0x7E47)
        return (0..<cases).map { _ in
            var text = Array((0..<random.pick([1, 1, 2, 3])).map { _ in random.pick(fragments) }.joined())
            for _ in 0..<random.pick([0, 0, 1, 2, 3]) {
                let at = Int.random(in: 0...text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text.insert(random.pick(alphabet), at: at)
                case 1 where at < text.count: text.remove(at: at)
                default: if at < text.count { text[at] = random.pick(alphabet) }
                }
            }
            return String(text)
        }
    }

    /// The values `parse` gives for the texts, after checking that each one's description parses back to it.
    static func acceptedValues<T: Equatable & CustomStringConvertible>(_ parse: (String) -> T?) -> [T] {
        texts().compactMap { text in
            guard let value = parse(text) else { return nil }
            #expect(parse(value.description) == value, "\(text.debugDescription)")
            return value
        }
    }

    @Test func addressesReadBackFromTheirText() {
        #expect(Self.acceptedValues { IPAddress($0) }.count >= 150)
    }

    /// inet_pton reads a C string: it took the text before a NUL for the whole address.
    @Test func aNulIsNotTheEndOfAnAddress() {
        #expect(IPAddress("198.51.100.7\u{0}x") == nil)
        #expect(IPAddress("2001:db8::1\u{0}") == nil)
        #expect(Endpoint("198.51.100.7\u{0}:80") == nil)
        #expect(ServiceKey("198.51.100.7\u{0}x:80/tcp") == nil)
    }

    @Test func endpointsReadBackFromTheirText() {
        #expect(Self.acceptedValues { Endpoint($0, allowPortZero: true) }.count >= 150)
        for text in Self.texts() {
            let endpoint = Endpoint(text, allowPortZero: true)
            #expect(Endpoint(text) == (endpoint?.port == 0 ? nil : endpoint), "\(text.debugDescription)")
        }
    }

    @Test func serviceKeysReadBackFromTheirText() {
        #expect(Self.acceptedValues { ServiceKey($0) }.count >= 150)
    }

    @Test func statusRangesReadBackFromTheirText() {
        let accepted = Self.acceptedValues { try? StatusRanges(parsing: $0) }
        #expect(accepted.count >= 150)
        #expect(accepted.allSatisfy { $0.ranges.allSatisfy { 100 <= $0.lowerBound && $0.upperBound <= 599 } })
    }
}
