import FoundationEssentials
import Primitives

/// The drains made with `drcheck drain` in `drains.json`'s form: a version and one entry per drained server, in
/// server order.
public enum DrainsDocument {
    private struct Document: Codable {
        var version = 1
        var drains: [Entry]
    }

    private struct Entry: Codable {
        var service: ServiceKey
        var server: Endpoint
        var note: DrainNote
    }

    public static func json(_ drains: [ServerID: DrainNote]) -> [UInt8] {
        let entries = drains.sorted { $0.key < $1.key }.map {
            Entry(service: $0.key.service, server: $0.key.server, note: $0.value)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Encoding plain values cannot fail.
        return Array((try? encoder.encode(Document(drains: entries))) ?? Data())
    }

    /// The drains in `json`; a server named twice keeps its last entry.
    public static func drains(json: [UInt8]) throws -> [ServerID: DrainNote] {
        let document = try JSONDecoder().decode(Document.self, from: Data(json))
        return Dictionary(
            document.drains.map { (ServerID(service: $0.service, server: $0.server), $0.note) },
            uniquingKeysWith: { _, last in last })
    }
}
