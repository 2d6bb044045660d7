import Testing

@testable import Agent

@Suite struct PrometheusDurationTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("2s", .seconds(2)),
        ("1m30s", .seconds(90)),
        ("1h", .seconds(3600)),
        ("1d", .seconds(86_400)),
        ("1w", .seconds(604_800)),
        ("1y", .seconds(31_536_000)),
        ("1h2m3s4ms", .milliseconds(3_723_004)),
        ("0", .zero),
        ("0s", .zero),
        ("90s", .seconds(90)),
    ])
    func parses(text: String, expected: Duration) throws {
        #expect(try PrometheusDuration.parse(text) == expected)
    }

    @Test(arguments: [
        "", "1", "s", "1.5s", "-1s", "1s1m", "1m1m", "2 s", "1x", "1h 30m", "99999999999999999999s", "1M",
    ])
    func rejects(text: String) {
        #expect(throws: PrometheusDuration.ParseError(text: text)) { try PrometheusDuration.parse(text) }
    }

    @Test func errorTextSaysHowToWriteIt() {
        #expect(
            PrometheusDuration.ParseError(text: "2x").description
                == "not a duration: \"2x\" (write it like 500ms, 2s, 1m30s or 1h)")
    }

    @Test(arguments: [
        (Duration.seconds(90), "1m30s"),
        (.milliseconds(500), "500ms"),
        (.zero, "0s"),
        (.seconds(3600), "1h"),
        (.milliseconds(3_723_004), "1h2m3s4ms"),
        (.seconds(8 * 86_400), "1w1d"),
        (.microseconds(1500), "1ms"),
    ])
    func formats(duration: Duration, expected: String) throws {
        #expect(PrometheusDuration.format(duration) == expected)
    }

    @Test func formatAndParseRoundTrip() throws {
        for milliseconds: Int64 in [1, 999, 1000, 61_000, 3_600_001, 31_536_000_000 + 7] {
            let duration = Duration.milliseconds(milliseconds)
            #expect(try PrometheusDuration.parse(PrometheusDuration.format(duration)) == duration)
        }
    }
}
