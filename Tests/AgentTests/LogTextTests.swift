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
                == "fwmark:5: panic, the last server with weight is to be drained and keeps it (keep_last)")
    }

    @Test func weightChanges() {
        #expect(
            WeightChange.drain(rs1, from: 7, "dr_path").description
                == "198.51.100.33:8000/tcp 203.0.113.21:8000: weight 7 -> 0, drain (dr_path)")
        #expect(
            WeightChange(id: rs1, from: 1, to: 2, reason: .slowStart(step: 2, steps: 7)).description
                == "198.51.100.33:8000/tcp 203.0.113.21:8000: weight 1 -> 2, slow start 2/7")
    }
}
