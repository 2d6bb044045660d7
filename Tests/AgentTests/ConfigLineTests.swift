import Testing

@testable import Agent

/// Values, keys and paths of any length: each error stays one line of bounded length, what it quotes cut with "…".
extension ConfigFileTests {
    static let known = ConfigParser.topKeys.joined(separator: ", ")

    @Test func aLongValueIsCut() throws {
        let files = try TLSCAFileConfigTests.Files()
        let path = try file(files, "defaults:\n  rise: \(String(repeating: "a", count: 200_000))\n".utf8)
        let a120 = String(repeating: "a", count: 120)
        #expect(loaded(path) == "\(path):2: defaults.rise: must be a whole number (got \"\(a120)…\")")
    }

    /// Beyond what a file may hold, but the parser takes any text.
    @Test func aTenMegabyteValueGivesAShortLine() {
        let a120 = String(repeating: "a", count: 120)
        #expect(
            ConfigFuzzTests.error("dr_sysctls: \(String(repeating: "a", count: 10 << 20))\n")
                == "drcheck.yaml:1: dr_sysctls: must be one of fix, check (got \"\(a120)…\")")
    }

    @Test func aLongKeyIsCut() {
        let b120 = String(repeating: "b", count: 120)
        #expect(
            ConfigFuzzTests.error("? \(String(repeating: "b", count: 200_000))\n: 1\n")
                == "drcheck.yaml:1: \(b120)…: unknown key (known here: \(Self.known))")
    }

    /// Escaped line breaks count against the length too.
    @Test func escapedLineBreaksAreCut() {
        let breaks = String(repeating: "\\u2028", count: 1000)
        let quoted = String(repeating: "\\u{2028}", count: 15)
        #expect(
            ConfigFuzzTests.error("dr_sysctls: \"\(breaks)\"\n")
                == "drcheck.yaml:1: dr_sysctls: must be one of fix, check (got \"\(quoted)…\")")
    }

    @Test func aLongPathIsCut() {
        let path = "/" + String(repeating: "p", count: 5000)
        #expect(loaded(path) == "\(path.prefix(256))…: cannot read: File name too long")
        #expect(
            ConfigFuzzTests.error("defaults:\n  tls_ca_file: \(path)\n")
                == "drcheck.yaml:2: defaults.tls_ca_file: cannot read \(path.prefix(120))…: File name too long")
    }

    /// Whatever key a long value (with line breaks and quotes in it) is given to, the error stays one short line.
    @Test func aLongValueAtAnyKeyGivesAShortLine() {
        let value = "\"" + String(repeating: "x\\n\\\" ", count: 50_000) + "\""
        for at in ConfigFuzzTests.keyLines {
            var lines = ConfigFuzzTests.fullLines
            lines[at] = lines[at].prefix { $0 != ":" } + ": " + value
            let line = ConfigFuzzTests.error(lines.joined(separator: "\n"))
            #expect(line.count <= 900 && !line.contains { $0.isNewline }, "\(line.prefix(200))")
        }
    }
}
