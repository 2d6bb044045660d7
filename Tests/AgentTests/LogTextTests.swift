import Primitives
import Testing

@testable import Agent

/// The exact log lines of transitions and weight changes: operators grep for them.
@Suite struct LogTextTests {
    let rs1 = ReconcilerFixture.rs1

    @Test func transitions() {
        #expect(
            Transition(rs1, .down("timeout")).description == "198.51.100.33:8000/tcp 203.0.113.21:8000: down (timeout)")
        #expect(Transition(rs1, .up).description == "198.51.100.33:8000/tcp 203.0.113.21:8000: up (ok)")
        #expect(
            Transition(rs1, .adopted(weight: 5)).description
                == "198.51.100.33:8000/tcp 203.0.113.21:8000: weight 5 set by someone else, adopted as configured")
        #expect(
            Transition(service: .fwmark(5, family: .ipv4), server: nil, kind: .panic).description
                == "fwmark:5: panic, the last server with weight is unhealthy and keeps it (keep_last)")
    }

    @Test func weightChanges() {
        #expect(
            WeightChange.drain(rs1, from: 7, "dr_path").description
                == "198.51.100.33:8000/tcp 203.0.113.21:8000: weight 7 -> 0, drain (dr_path)")
        #expect(
            WeightChange(id: rs1, from: 1, to: 2, reason: .slowStart(step: 2, steps: 7)).description
                == "198.51.100.33:8000/tcp 203.0.113.21:8000: weight 1 -> 2, slow start 2/7")
    }

    @Test func keysReadBackFromTheirText() {
        let v6 = ServiceKey.virtual(Endpoint("[2001:db8::1]:443")!, .sctp)
        #expect(v6.description == "[2001:db8::1]:443/sctp")
        #expect(ServiceKey(v6.description) == v6)
    }

    @Test func fwmarkKeysCarryTheirFamily() {
        let v4 = ServiceKey.fwmark(5, family: .ipv4)
        let v6 = ServiceKey.fwmark(5, family: .ipv6)
        #expect(v4.description == "fwmark:5")
        #expect(v4.label == "fwmark:5")
        #expect(v6.description == "fwmark:5/ipv6")
        #expect(v6.label == "fwmark:5/ipv6")
        #expect(ServiceKey("fwmark:5") == v4)
        #expect(ServiceKey("fwmark:5/ipv6") == v6)
        #expect(ServiceKey("fwmark:4294967295/ipv6") == .fwmark(UInt32.max, family: .ipv6))
        #expect(v4 != v6)
        #expect([v6, .fwmark(4, family: .ipv6), v4].sorted() == [.fwmark(4, family: .ipv6), v4, v6])
        for bad in [
            "fwmark:0", "fwmark:0/ipv6", "fwmark:+5", "fwmark:5/ipv4", "fwmark:5/inet6", "fwmark:5/", "fwmark:/ipv6",
            "fwmark:5/ipv6/ipv6", "fwmark:4294967296", "fwmark:5:ipv6",
        ] {
            #expect(ServiceKey(bad) == nil, "\(bad)")
        }
        #expect(ServiceKey("198.51.100.33:8000/icmp") == nil)
        #expect(ServiceKey("[2001:DB8:0::1]:80/tcp")?.description == "[2001:db8::1]:80/tcp")
        #expect(ServiceKey("198.51.100.33:0/tcp") == nil)
    }
}
