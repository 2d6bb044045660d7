import Primitives
import Testing

@testable import Agent
@testable import Daemon

@Suite struct DescriptorBudgetTests {
    @Test(arguments: [(1024, 256, 256), (1024, 1000, 352), (65536, 256, 256), (100, 256, 8), (65536, 50_000, 32_608)])
    func probesInFlightFitTheOpenFileLimit(limit: Int, configured: Int, expected: Int) {
        #expect(
            DescriptorBudget(limit: limit).probesInFlight(configured: configured, metricsConnections: 256) == expected)
    }

    @Test func raisingKeepsAtLeastTheSoftLimit() {
        #expect(DescriptorBudget.raise().limit >= 64)
    }
}

@Suite struct TurnSummaryTests {
    private let service = ServiceKey("198.51.100.33:8000/tcp")!

    private func server(_ i: Int) -> Endpoint { Endpoint("203.0.113.\(20 + i):8000")! }

    @Test func countsTransitionsByKindMostFirst() {
        let transitions =
            (1...5).map { Transition(service: service, server: server($0), kind: .down("timeout")) }
            + [Transition(service: service, server: server(6), kind: .down("connect_refused"))]
            + (7...8).map { Transition(service: service, server: server($0), kind: .up) }
        #expect(
            TurnSummary.transitions(transitions)
                == "8 transitions in one turn: 5 down (timeout), 2 up, 1 down (connect_refused)")
    }

    @Test func countsWeightChangesByReason() {
        let id = ServerID(service: service, server: server(1))
        let changes = [
            WeightChange(id: id, from: 5, to: 0, reason: .drain("timeout")),
            WeightChange(id: id, from: 5, to: 0, reason: .drain("timeout")),
            WeightChange(id: id, from: 0, to: 5, reason: .restore),
        ]
        #expect(TurnSummary.weights(changes) == "3 weight changes: 2 drain (timeout), 1 restore")
    }
}
