import Agent
import EventLoop
import Exporter
import Logging
import Primitives
import Probe
import Testing

@testable import Daemon

/// Shadow mode's disagreements: logged once they last the grace and when they end, exported, and in words for
/// /status.
@Suite struct ShadowModeTests {
    typealias Lab = DaemonHarness

    let book = LogBook()
    let metrics = DrcheckMetrics(version: "test")
    let shadow: ShadowMode
    let targets = TargetSet()
    let lastProbe = [
        Lab.id(11): VerdictPipeline.LastProbe(
            result: ProbeResult(.ok, duration: .milliseconds(3)), at: Monotonic(nanoseconds: 0))
    ]

    init() {
        let book = book
        let log = Logger(label: "drcheck") { _ in LogBookHandler(book: book, logLevel: .info) }
        shadow = ShadowMode(log: log, metrics: metrics)
        _ = targets.replace(with: TargetSetTests.targets(TargetSetTests.target(11), TargetSetTests.target(12)))
    }

    func compare(_ views: [Int: ShadowComparison.View], at seconds: Int64) {
        shadow.compare(
            Dictionary(uniqueKeysWithValues: views.map { (Lab.id($0.key), $0.value) }), at: .seconds(seconds),
            config: Config(), lastProbe: lastProbe, targets: targets)
    }

    func series() -> [String] {
        String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("drcheck_shadow_disagreement{")
        }.sorted()
    }

    @Test func aDisagreementIsToldOnceItLastsTheGraceAndWhenItEnds() {
        let views = [
            11: ShadowComparison.View(up: true, weight: 0), 12: ShadowComparison.View(up: false, weight: 5),
        ]
        compare(views, at: 0)
        #expect(book.take().isEmpty)
        #expect(series().isEmpty)
        compare(views, at: 10)
        #expect(
            book.take() == [
                "<4>service=198.51.100.10:80 shadow: 198.51.100.10:80 203.0.113.11:80: drcheck finds it up (last probe: ok), "
                    + "the kernel has it at weight 0",
                "<4>service=198.51.100.10:80 shadow: 198.51.100.10:80 203.0.113.12:80: drcheck finds it down, the kernel "
                    + "has it at weight 5",
            ])
        #expect(
            series() == [
                #"drcheck_shadow_disagreement{service="web",real_server="203.0.113.11:80",drcheck="up"} 1.0"#,
                #"drcheck_shadow_disagreement{service="web",real_server="203.0.113.12:80",drcheck="down"} 1.0"#,
            ])
        compare([11: ShadowComparison.View(up: true, weight: 5), 12: views[12]!], at: 12)
        #expect(
            book.take() == [
                "<5>service=198.51.100.10:80 shadow: 198.51.100.10:80 203.0.113.11:80: drcheck and the kernel agree again"
            ])
        #expect(
            shadow.reported(config: Config(), lastProbe: lastProbe) == [
                "198.51.100.10:80 203.0.113.12:80: drcheck finds it down, the kernel has it at weight 5"
            ])
        #expect(series().count == 1)
    }
}
