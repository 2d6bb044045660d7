import Agent
import Foundation
import Testing

@testable import KeepalivedImport

/// Files written for a test in a directory of their own, and the imports of them.
struct KeepalivedFixture {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "keepalived-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` under the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = "\(directory)/\(name)"
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The statements of `text` as keepalived.conf, read and parsed (no translation).
    func blocks(_ text: String, configID: String? = nil) throws -> [KeepalivedBlock] {
        var reader = KeepalivedReader(configID: configID)
        try reader.read(try write("keepalived.conf", text))
        return try KeepalivedBlock.parse(reader.lines)
    }

    func importing(_ text: String, configID: String? = nil) throws -> ImportedConfig {
        try KeepalivedImporter.translate(file: try write("keepalived.conf", text), configID: configID)
    }

    /// The one-line error importing `text` gives, with the fixture's directory left out.
    func error(_ text: String) throws -> String {
        do {
            _ = try importing(text)
            return "no error"
        } catch let error as ImportError {
            return error.description.replacing(directory + "/", with: "")
        }
    }

    /// The import's YAML as drcheck reads it.
    static func parsed(_ config: ImportedConfig) throws(ConfigError) -> Config {
        try ConfigParser.parse(yaml: KeepalivedImporter.yaml(config), file: "imported.yaml")
    }

    /// The warnings without the fixture's directory: `keepalived.conf:3: ...`.
    func warnings(_ config: ImportedConfig) -> [String] {
        config.warnings.map { $0.description.replacing(directory + "/", with: "") }
    }
}
