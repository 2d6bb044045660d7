import Testing

@testable import Agent

/// What drcheck's own composer over libyaml reads as Yams did: YAML 1.1's numbers and booleans, and the errors Yams
/// left to its own words.
@Suite struct YAMLReadingTests {
    func parse(_ yaml: String) throws(ConfigError) -> Config { try ConfigTests().parse(yaml) }

    func error(_ yaml: String) -> String { ConfigTests().error(yaml) }

    @Test(arguments: [
        ("16", 16), ("0x10", 16), ("0o20", 16), ("020", 16), ("0b10000", 16), ("1_6", 16), ("+16", 16),
    ])
    func wholeNumbersAreYAML11s(text: String, value: Int) throws {
        #expect(try parse("max_probes_in_flight: \(text)\n").maxProbesInFlight == value)
    }

    @Test func aQuotedNumberOrBooleanIsText() {
        #expect(
            error("max_probes_in_flight: \"16\"\n")
                == "drcheck.yaml:1: max_probes_in_flight: must be a whole number (got \"16\")")
        #expect(error("discover: 'true'\n") == "drcheck.yaml:1: discover: must be true or false (got \"true\")")
        #expect(error("discover: !!str yes\n") == "drcheck.yaml:1: discover: must be true or false (got \"yes\")")
    }

    @Test(arguments: [("yes", true), ("On", true), ("TRUE", true), ("no", false), ("off", false), ("False", false)])
    func booleansAreYAML11s(text: String, value: Bool) throws {
        #expect(try parse("discover: \(text)\n").discover == value)
    }

    @Test func composerErrorsNameTheirLine() {
        #expect(error("listen: 1\nstate_file: *nowhere\n") == "drcheck.yaml:2: YAML syntax: found undefined alias")
        #expect(error("b: 1\na: 2\nb: 3\na: 4\n") == "drcheck.yaml:2: a, b: key given twice")
        #expect(error("listen: a\u{1}b\n") == "drcheck.yaml:1: YAML syntax: control characters are not allowed")
        #expect(error("---\n") == "no error")
        #expect(error("~\n") == "drcheck.yaml:1: must be a mapping of keys to values")
    }

    @Test func printedTextWithEscapesReadsBack() throws {
        let config = try parse(
            "services:\n  - name: \"tab\\there \\\"q\\\" \\\\ \\u2028 \\u0085 # x: y\"\n    vip: \"198.51.100.33:80\"\n"
        )
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains(#"- name: "tab\there \"q\" \\ \u2028 \u0085 # x: y""#))
        #expect(try parse(printed) == config)
    }
}
