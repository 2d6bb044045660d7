import FuzzSupport
import Testing

@testable import Agent

/// Hostile configs: each one parses, and then prints as YAML that reads back the same, or is refused with the typed
/// error on one line. A trap here would take the daemon down on a reload.
@Suite struct ConfigFuzzTests {
    static let hostileValues = [
        "99999999999999999999", "-99999999999999999999", "-1", "0", "-0", "+1", "1_000", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "0x", "0xffffffffffffffff", "0x7fffffffffffffff", "0o777",
        "0b101", "1:2", "-1:30", "99999999999:99999999999", "1:0:0:0:0:0:0:0:0:0:0:0", "9223372036854775807s",
        "9223372036854775807ms", "106751991167d", "1e400ms", "1.5s", "-5s", "1y1w1d1h1m1s1ms", "1ms1s", "\"\"", "''",
        "~", "null", ".inf", "-.inf", ".nan", "yes", "on", "ü", "🙂", "\"\\0\"", "\"a\\nb\"", "\"a\\rb\"",
        "\"\\u2028\"", "\"\\x85\"", "[]", "{}", "[1, [2, [3]]]", "{a: {b: c}}", "&x 5", "*x", "*undefined",
        "!!binary AAAA", "!!str 5", "!!int 5", "!!float 1", "!!map {}", "!custom x", "<<: {a: 1}", "|\n  two\n  lines",
        "\"(\"", "\"[z-a]\"", "\"a{99999999999999999999}\"", "\"a{2,1}\"", "\"\\\\p{Nope}\"", "\"(?<\"",
        "\"\\\\u{110000}\"", "198.51.100.1:0", "198.51.100.1:65536", "[2001:db8::1]", "unix:/x", "/dev/zero", "/",
        "0x44520000-0x4452ffff", "5-4", "0-1", "0x-0x", "200-600", "[200, [300]]",
        String(repeating: "a", count: 5000), String(repeating: "9", count: 400),
    ]
    static let keys = ConfigParser.topKeys + ConfigParser.serviceCheckKeys + ServiceParser.serviceKeys + ["address"]
    static let fullLines = ConfigTests.full.split(separator: "\n").map(String.init)

    /// The lines of the full config that hold a key, each key path once.
    static let keyLines: [Int] = {
        var seen: Set<Substring> = []
        return fullLines.indices.filter { at in
            guard let colon = fullLines[at].firstIndex(of: ":") else { return false }
            return seen.insert(fullLines[at][...colon]).inserted
        }
    }()

    /// The full config after a few line edits (a line deleted, repeated, moved, re-indented, its value replaced, a
    /// key added) or byte edits.
    static func configs(_ count: Int) -> [String] {
        var random = SplitMix64(seed: 0xC0F1)
        return (0..<count).map { _ in
            var lines = fullLines
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<lines.count, using: &random)
                let value = random.pick(hostileValues)
                switch Int.random(in: 0..<7, using: &random) {
                case 0: lines.remove(at: at)
                case 1: lines.insert(lines[at], at: at)
                case 2: lines.swapAt(at, Int.random(in: 0..<lines.count, using: &random))
                case 3: lines[at] = String(repeating: " ", count: Int.random(in: 0...6, using: &random)) + lines[at]
                case 4:
                    let indent = String(repeating: " ", count: Int.random(in: 0...8, using: &random))
                    lines.insert("\(indent)\(random.pick(keys)): \(value)", at: at)
                case 5:
                    let bytes = random.mutate(Array(lines.joined(separator: "\n").utf8))
                    lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
                default:
                    guard let colon = lines[at].firstIndex(of: ":") else { continue }
                    lines[at] = "\(lines[at][...colon]) \(value)"
                }
                if lines.isEmpty { lines = [""] }
            }
            return lines.joined(separator: "\n")
        }
    }

    static func error(_ yaml: String) -> String {
        do {
            _ = try ConfigParser.parse(yaml: yaml, file: "drcheck.yaml")
            return "parsed"
        } catch {
            return error.description
        }
    }

    /// The contract for any text: parsed, and printed back to the same config; or refused with a one-line error.
    static func check(_ yaml: String) -> Bool {
        do {
            let config = try ConfigParser.parse(yaml: yaml, file: "drcheck.yaml")
            #expect(
                (try? ConfigParser.parse(yaml: ConfigPrinter.yaml(config), file: "printed")) == config,
                "\(yaml.debugDescription)")
            return true
        } catch {
            #expect(error.file == "drcheck.yaml", "\(yaml.debugDescription)")
            let line = error.description
            #expect(!line.contains { $0.isNewline }, "\(line.debugDescription)")
            return false
        }
    }

    /// Every hostile value in place of the value of the line `at` of the full config.
    @Test(arguments: keyLines)
    func everyValueAtEveryKeyParsesOrFailsOnOneLine(at: Int) {
        var lines = Self.fullLines
        let key = lines[at][...lines[at].firstIndex(of: ":")!]
        for value in Self.hostileValues {
            lines[at] = "\(key) \(value)"
            _ = Self.check(lines.joined(separator: "\n"))
        }
    }

    @Test func mutatedConfigsParseOrFailOnOneLine() {
        let parsed = Self.configs(1500).filter(Self.check).count
        #expect(parsed >= 100)
    }

    /// Documents no config has: deep nesting, aliases that expand to a billion nodes, a long scalar.
    @Test func pathologicalDocumentsAreRefusedOnOneLine() {
        let nesting = "YAML syntax: while parsing, Maximum nesting level reached, set with yaml_set_max_nest_level())"
        let laughs = (1...9).map { level in
            "&l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]"
        }.joined(separator: ", ")
        let blockNesting = (0..<3000).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n")
        let cases = [
            ("services: " + String(repeating: "[", count: 5000), "drcheck.yaml:1: \(nesting)"),
            ("defaults: " + String(repeating: "{a: ", count: 5000), "drcheck.yaml:1: \(nesting)"),
            (blockNesting, "drcheck.yaml:1000: \(nesting)"),
            ("services: [&l0 x, \(laughs)]\n", "drcheck.yaml:1: services[0]: must be a mapping of keys to values"),
            ("l: [&l0 x, \(laughs)]\n*l9 : 1\n", "drcheck.yaml:2: a key must be a plain name, not an alias (*name)"),
            (
                "l: [&l0 x, \(laughs)]\n? [a, {b: *l9}]\n: 1\n",
                "drcheck.yaml:2: a key must be a plain name, not an alias (*name)"
            ),
            (
                "l: [&l0 x, \(laughs)]\ns: {*l9 : 1}\n",
                "drcheck.yaml:2: a key must be a plain name, not an alias (*name)"
            ),
            (
                "l: [&l0 x, \(laughs)]\n---\n*l9 : 1\n",
                "drcheck.yaml:2: YAML syntax: expected a single document in the stream, but found another document"
            ),
            (
                "defaults:\n  expect_status: [&l0 200, \(laughs)]\n",
                "drcheck.yaml:2: defaults.expect_status[1]: must be a single value"
            ),
            (
                "state_file: /" + String(repeating: "a", count: 100_000) + "\nrise: 1",
                "drcheck.yaml:2: rise: unknown key (known here: \(ConfigParser.topKeys.joined(separator: ", ")))"
            ),
        ]
        for (yaml, expected) in cases {
            #expect(Self.error(yaml) == expected)
        }
    }

    /// Random durations: each is refused with its text, or formats to a text that reads back the same.
    @Test func durationsReadBackFromTheirFormat() {
        var random = SplitMix64(seed: 0xD0)
        let pieces = ["0", "1", "59", "999", "9223372036854775807", "106751991167", "y", "w", "d", "h", "m", "s", "ms"]
        var parsed = 0
        for _ in 0..<5000 {
            let text = (0..<Int.random(in: 0...6, using: &random)).map { _ in random.pick(pieces) }.joined()
            do {
                let duration = try PrometheusDuration.parse(text)
                parsed += 1
                #expect(try PrometheusDuration.parse(PrometheusDuration.format(duration)) == duration, "\(text)")
            } catch {
                #expect(error.text == text)
            }
        }
        #expect(parsed >= 100)
    }

    /// Only keys are kept from aliases: a value may still be one.
    @Test func aliasesStillServeAsValues() throws {
        let yaml = "defaults: &d {rise: 3}\nservices:\n  - vip: 198.51.100.33:80\n    check: *d\n"
        let config = try ConfigParser.parse(yaml: yaml, file: "drcheck.yaml")
        #expect(config.services.map(\.check.rise) == [3])
    }

    /// Yams reads `1:30` as a base-60 number and traps when that overflows Int.
    @Test func aCountWithColonsIsNotANumber() {
        #expect(
            Self.error("defaults:\n  rise: 99999999999:99999999999\n")
                == "drcheck.yaml:2: defaults.rise: must be a whole number (got \"99999999999:99999999999\")")
        #expect(
            Self.error("services:\n  - fwmark: 1:0:0:0:0:0:0:0:0:0:0:0\n")
                == "drcheck.yaml:2: services[0].fwmark: must be a whole number (got \"1:0:0:0:0:0:0:0:0:0:0:0\")")
        #expect(
            Self.error("defaults:\n  fall: 1:30\n")
                == "drcheck.yaml:2: defaults.fall: must be a whole number (got \"1:30\")")
    }

    /// A quoted value or key may hold a line break; the message that quotes it stays on one line.
    @Test func lineBreaksInQuotedTextAreEscaped() {
        #expect(
            Self.error("dr_sysctls: \"a\\nb\\r\"\n")
                == #"drcheck.yaml:1: dr_sysctls: must be one of fix, check (got "a\nb\r")"#)
        #expect(
            Self.error("defaults:\n  slow_start: \"1s\\u2028\"\n")
                == #"drcheck.yaml:2: defaults.slow_start: not a duration: "1s\u{2028}" (write it like 500ms, 2s, 1m30s or 1h)"#
        )
        #expect(
            Self.error("\"a\\x85b\": 1\n")
                == "drcheck.yaml:1: a\\u{0085}b: unknown key (known here: \(ConfigParser.topKeys.joined(separator: ", ")))"
        )
    }
}
