import Testing

@testable import Agent

/// `tls_resume`: off unless given, a duration, for http checks only, printed when set.
struct TLSResumeConfigTests {
    func parse(_ yaml: String) throws(ConfigError) -> Config { try ConfigTests().parse(yaml) }

    func error(_ yaml: String) -> String { ConfigTests().error(yaml) }

    @Test func offUnlessGiven() throws {
        #expect(try parse("discover: true\n").defaults.tlsResume == .zero)
    }

    @Test func givenInTheDefaultsAndInAServiceAndPrintedBack() throws {
        let config = try parse(
            "defaults:\n  tls_resume: 1m\nservices:\n  - vip: 198.51.100.33:443\n"
                + "    check: {scheme: https, tls_resume: 30s}\n  - vip: 198.51.100.33:8443\n")
        #expect(config.defaults.tlsResume == .seconds(60))
        #expect(config.services.map(\.check.tlsResume) == [.seconds(30), .seconds(60)])
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("  tls_resume: 1m\n"))
        #expect(try parse(printed) == config)
    }

    @Test func refusedWhereItMeansNothingOrIsNoDuration() {
        #expect(
            error("defaults:\n  type: tcp\n  tls_resume: 1m\n")
                == "drcheck.yaml:3: defaults.tls_resume: applies only to an http or grpc check (type is tcp)")
        #expect(error("defaults:\n  tls_resume: sometimes\n").hasPrefix("drcheck.yaml:2: defaults.tls_resume: "))
    }
}
