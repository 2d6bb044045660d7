import Foundation
import Testing

@testable import Agent

/// `tls_ca_file`: where it may be given, what it is checked against when the config is loaded, how it is printed.
struct TLSCAFileConfigTests {
    /// A private folder holding `ca.pem` (a PEM certificate) and `notes.txt` (not one).
    final class Files {
        let folder = "/tmp/drcheck-ca-\(UUID().uuidString)"
        var ca: String { folder + "/ca.pem" }
        var notes: String { folder + "/notes.txt" }

        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(
                toFile: ca, atomically: true, encoding: .utf8)
            try "an internal CA\n".write(toFile: notes, atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }
    }

    func parse(_ yaml: String) throws(ConfigError) -> Config { try ConfigTests().parse(yaml) }

    func error(_ yaml: String) -> String { ConfigTests().error(yaml) }

    /// A service on port 443 whose check has these lines (each indented under `check:`).
    static func service(_ checkLines: String...) -> String {
        "services:\n  - vip: 198.51.100.33:443\n    check:\n" + checkLines.map { "      \($0)\n" }.joined()
    }

    @Test func aServiceCheckVerifiesWithItsCAFile() throws {
        let files = try Files()
        let config = try parse(Self.service("scheme: https", "tls_ca_file: \(files.ca)"))
        #expect(config.services[0].check.tlsCAFile == files.ca)
        #expect(config.defaults.tlsCAFile == nil)
    }

    @Test func theDefaultsCAFileServesEveryCheckThatVerifies() throws {
        let files = try Files()
        let config = try parse(
            "defaults:\n  tls_ca_file: \(files.ca)\nservices:\n"
                + "  - {vip: \"198.51.100.33:443\", check: {scheme: https}}\n"
                + "  - {vip: \"198.51.100.33:80\"}\n"
                + "  - {vip: \"198.51.100.33:8443\", check: {scheme: https, tls_verify: false}}\n")
        #expect(config.defaults.tlsCAFile == files.ca)
        #expect(config.services.map(\.check.tlsCAFile) == [files.ca, nil, nil])
    }

    @Test func configCheckPrintsTheKeyAndReadsItBack() throws {
        let files = try Files()
        let config = try parse("defaults:\n  tls_ca_file: \(files.ca)\n" + Self.service("scheme: https"))
        let printed = ConfigPrinter.yaml(config)
        #expect(printed.contains("defaults:\n  type: http\n  interval: 2s\n"))
        #expect(printed.contains("  keep_last: true\n  tls_ca_file: \(files.ca)\ndr_sysctls: fix\n"))
        #expect(printed.contains("    keep_last: true\n    tls_ca_file: \(files.ca)\n    scheme: https\n"))
        #expect(try parse(printed) == config)
    }

    /// Each YAML and its error; `$DIR` stands for the folder of `Files`.
    @Test(arguments: [
        (
            service("scheme: https", "tls_ca_file: ca.pem"),
            "5: services[0].check.tls_ca_file: must be an absolute path (got \"ca.pem\")"
        ),
        (
            "defaults:\n  tls_ca_file: ./ca.pem\n",
            "2: defaults.tls_ca_file: must be an absolute path (got \"./ca.pem\")"
        ),
        (
            service("tls_ca_file: $DIR/ca.pem"),
            "4: services[0].check.tls_ca_file: needs scheme: https (this check's scheme is http)"
        ),
        (
            service("tls_ca_file: $DIR/ca.pem", "scheme: http"),
            "4: services[0].check.tls_ca_file: needs scheme: https (this check's scheme is http)"
        ),
        (
            service("scheme: https", "tls_verify: false", "tls_ca_file: $DIR/ca.pem"),
            "6: services[0].check.tls_ca_file: cannot be used with tls_verify: false (no certificate is verified)"
        ),
        (
            "defaults:\n  tls_ca_file: $DIR/gone.pem\n",
            "2: defaults.tls_ca_file: cannot read $DIR/gone.pem: no such file"
        ),
        (
            service("scheme: https", "tls_ca_file: $DIR"),
            "5: services[0].check.tls_ca_file: cannot read $DIR: is a directory"
        ),
        (
            service("scheme: https", "tls_ca_file: /dev/null"),
            "5: services[0].check.tls_ca_file: cannot read /dev/null: not a regular file"
        ),
        (
            service("scheme: https", "tls_ca_file: $DIR/notes.txt"),
            "5: services[0].check.tls_ca_file: $DIR/notes.txt holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ),
    ])
    func rejectsWithFileLineAndKey(yaml: String, expected: String) throws {
        let files = try Files()
        let folder = { (text: String) in text.replacingOccurrences(of: "$DIR", with: files.folder) }
        #expect(error(folder(yaml)) == "drcheck.yaml:" + folder(expected))
    }

    /// SIGHUP and `drcheck config check` load the file the same way: the error names the config file and line.
    @Test func aLoadNamingAMissingCAFileFails() throws {
        let files = try Files()
        let path = files.folder + "/drcheck.yaml"
        try "defaults:\n  tls_ca_file: \(files.folder)/gone.pem\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(
            throws: ConfigError(
                file: path, line: 2, key: "defaults.tls_ca_file",
                message: "cannot read \(files.folder)/gone.pem: no such file")
        ) { try ConfigLoader.load(path: path) }
    }
}
