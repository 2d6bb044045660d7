import Testing

@testable import Agent

/// `metrics:`: which per-server families /metrics carries.
@Suite struct MetricsConfigTests {
    func parse(_ yaml: String) throws(ConfigError) -> Config {
        try ConfigParser.parse(yaml: yaml, file: "drcheck.yaml")
    }

    @Test func bothFamiliesAreKeptByDefault() throws {
        let metrics = try parse("listen: 127.0.0.1:9469\n").metrics
        #expect(metrics.probeDurations == true)
        #expect(metrics.ipvsCounters == true)
        #expect(ConfigPrinter.yaml(Config()).contains("\nmetrics:\n  probe_durations: true\n  ipvs_counters: true\n"))
    }

    @Test(arguments: [
        ("metrics:\n  probe_durations: false\n", false, true),
        ("metrics:\n  ipvs_counters: false\n", true, false),
        ("metrics: {probe_durations: false, ipvs_counters: false}\n", false, false),
        ("metrics: {probe_durations: true, ipvs_counters: true}\n", true, true),
    ])
    func eachFamilyTurnsOffAlone(yaml: String, probeDurations: Bool, ipvsCounters: Bool) throws {
        let config = try parse(yaml)
        #expect(config.metrics.probeDurations == probeDurations)
        #expect(config.metrics.ipvsCounters == ipvsCounters)
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("metrics:\n  probe_durations: \(probeDurations)\n  ipvs_counters: \(ipvsCounters)\n"))
        #expect(try parse(printed) == config)
    }

    @Test(arguments: [
        (
            "metrics:\n  probe_durations: sometimes\n",
            "drcheck.yaml:2: metrics.probe_durations: must be true or false (got \"sometimes\")"
        ),
        ("metrics:\n  ipvs_counters: [false]\n", "drcheck.yaml:2: metrics.ipvs_counters: must be a single value"),
        (
            "metrics:\n  histograms: false\n",
            "drcheck.yaml:2: metrics.histograms: unknown key (known here: probe_durations, ipvs_counters)"
        ),
        ("metrics: false\n", "drcheck.yaml:1: metrics: must be a mapping of keys to values"),
    ])
    func aBadValueIsOneLineWithFileAndKey(yaml: String, expected: String) {
        #expect(ConfigFuzzTests.error(yaml) == expected)
    }
}
