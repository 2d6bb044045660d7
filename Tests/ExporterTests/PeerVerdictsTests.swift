import Exporter
import Primitives
import Testing

/// `/verdicts`: written and read back; any line not understood makes the whole answer unusable.
struct PeerVerdictsTests {
    static let web = ServiceKey("198.51.100.33:8000/tcp")!
    static let dns = ServiceKey("[2001:db8::53]:53/udp")!

    @Test func verdictsAreReadBackAsWritten() throws {
        let verdicts: [(PeerVerdicts.Server, Bool)] = [
            (PeerVerdicts.Server(service: Self.web, server: Endpoint("203.0.113.21:8000")!), true),
            (PeerVerdicts.Server(service: Self.dns, server: Endpoint("[2001:db8::1]:53")!), false),
            (
                PeerVerdicts.Server(
                    service: .fwmark(7, family: .ipv4), server: Endpoint("203.0.113.22:0", allowPortZero: true)!), true
            ),
        ]
        let text = PeerVerdicts.text(verdicts)
        #expect(
            String(decoding: text, as: UTF8.self)
                == "# drcheck verdicts 1\n198.51.100.33:8000/tcp 203.0.113.21:8000 up\n"
                + "[2001:db8::53]:53/udp [2001:db8::1]:53 down\nfwmark:7 203.0.113.22:0 up\n")
        let read = try PeerVerdicts.parse(text)
        #expect(read.count == 3)
        #expect(read[verdicts[0].0] == true)
        #expect(read[verdicts[1].0] == false)
    }

    @Test func anythingElseIsRefusedWhole() {
        #expect(throws: PeerVerdicts.ParseError.notVerdicts) { try PeerVerdicts.parse(Array("<html>".utf8)) }
        #expect(throws: PeerVerdicts.ParseError.notVerdicts) { try PeerVerdicts.parse([]) }
        let bad = "# drcheck verdicts 1\n198.51.100.33:8000/tcp 203.0.113.21:8000 up\n198.51.100.33:8000/tcp x maybe\n"
        #expect(throws: PeerVerdicts.ParseError.badLine(3)) { try PeerVerdicts.parse(Array(bad.utf8)) }
        #expect(PeerVerdicts.ParseError.badLine(3).description == "line 3 is not SERVICE REAL_SERVER up|down")
    }
}
