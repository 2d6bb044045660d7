import Foundation
import Glibc
import Testing

@testable import Agent

/// `log_format` in the config and `--log-format`, which overrides it.
@Suite struct LogFormatTests {
    @Test func theJournalIsDetectedOnlyWhenStandardErrorIsItsStream() {
        var info = stat()
        #expect(fstat(2, &info) == 0)
        #expect(LogFormat.detected(journalStream: "\(info.st_dev):\(info.st_ino)") == .journal)
        #expect(LogFormat.detected(journalStream: "\(info.st_dev):\(info.st_ino + 1)") == .text)
        #expect(LogFormat.detected(journalStream: nil) == .text)
    }

    @Test(arguments: [
        ("", LogFormat.auto), ("log_format: text\n", .text), ("log_format: journal\n", .journal),
        ("log_format: json\n", .json), ("log_format: auto\n", .auto),
    ])
    func theConfigNamesAFormatOrAuto(yaml: String, format: LogFormat) throws {
        let config = try ConfigParser.parse(yaml: "discover: true\n" + yaml, file: "drcheck.yaml")
        #expect(config.logFormat == format)
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("\nlog_format: \(format)\n"))
        #expect(try ConfigParser.parse(yaml: printed, file: "drcheck.yaml") == config)
    }

    @Test func aBadValueIsOneLineWithFileAndKey() {
        #expect(
            ConfigFuzzTests.error("discover: true\nlog_format: syslog\n")
                == "drcheck.yaml:2: log_format: must be one of auto, text, journal, json (got \"syslog\")")
        #expect(
            ConfigFuzzTests.error("log_format: [json]\n") == "drcheck.yaml:1: log_format: must be a single value")
    }

    /// The flag wins over the file; without it the file's format, `auto` resolved; a file that does not load is
    /// `auto` (the daemon then stops, logging why in that format).
    @Test func theFlagOverridesTheFile() throws {
        let folder = "/tmp/drcheck-log-format-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8)
            return "\(folder)/\(name)"
        }
        let json = try file("json.yaml", "log_format: json\n")
        let auto = try file("auto.yaml", "discover: true\n")
        let bad = try file("bad.yaml", "log_format: xml\n")
        var info = stat()
        #expect(fstat(2, &info) == 0)
        let journal = "\(info.st_dev):\(info.st_ino)"
        #expect(LogFormat.forDaemon(flag: nil, configPath: json, journalStream: journal) == .json)
        #expect(LogFormat.forDaemon(flag: .text, configPath: json, journalStream: journal) == .text)
        #expect(LogFormat.forDaemon(flag: .auto, configPath: json, journalStream: journal) == .journal)
        #expect(LogFormat.forDaemon(flag: nil, configPath: auto, journalStream: journal) == .journal)
        #expect(LogFormat.forDaemon(flag: nil, configPath: auto, journalStream: nil) == .text)
        #expect(LogFormat.forDaemon(flag: nil, configPath: bad, journalStream: nil) == .text)
        #expect(LogFormat.forDaemon(flag: .json, configPath: "\(folder)/missing.yaml", journalStream: nil) == .json)
    }
}
