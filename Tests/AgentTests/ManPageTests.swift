import Foundation
import Testing

@testable import Agent

/// drcheck.yaml(5) is written by hand: a key the parser accepts without an entry there (or an entry for a key it
/// no longer knows) fails here, not in an operator's hands.
@Suite struct ManPageTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Packaging/drcheck.yaml.5").standardized.path

    /// Every key the parser knows, from its own lists.
    static let parserKeys = Set(
        ConfigParser.topKeys + ConfigParser.serviceCheckKeys + ConfigParser.metricsKeys + ServiceParser.serviceKeys
            + ServiceParser.realServerKeys + FlapDampingParser.keys + FleetSettingsParser.keys)

    /// The keys the page describes: each an item `.It Cm KEY ...`.
    static func documentedKeys() throws -> Set<String> {
        let text = try String(contentsOfFile: page, encoding: .utf8)
        return Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix(".It Cm ") else { return nil }
                return line.dropFirst(".It Cm ".count).split(separator: " ").first.map(String.init)
            })
    }

    @Test func everyKeyTheParserAcceptsHasItsEntry() throws {
        let documented = try Self.documentedKeys()
        #expect(Self.parserKeys.subtracting(documented).sorted() == [], "keys missing from \(Self.page)")
        #expect(documented.subtracting(Self.parserKeys).sorted() == [], "entries for keys the parser does not know")
        #expect(Self.parserKeys.count == 76)
    }
}
