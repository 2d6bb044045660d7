import FoundationEssentials

extension AgentState {
    /// The state file's form: snake_case keys, sorted and indented for a reader, one final line feed.
    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Encoding plain values cannot fail.
        return Array((try? encoder.encode(self)) ?? Data()) + [UInt8(ascii: "\n")]
    }

    /// The state read back from `json()`'s form, whatever its version (the caller compares it).
    public init(json: Data) throws(StateDecodingError) {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            self = try decoder.decode(AgentState.self, from: json)
        } catch {
            throw StateDecodingError(reason: Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// Saved state that does not decode: the field and what is wrong with it.
public struct StateDecodingError: Error, Equatable, Sendable {
    public var reason: String
}
