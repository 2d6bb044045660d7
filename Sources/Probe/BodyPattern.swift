/// A regular expression searched for in the first bytes of a response body, compiled once per check.
/// As with grep, `^` and `$` match at the start and end of every line, so "^ok$" matches the body "ok\n".
public struct BodyPattern: @unchecked Sendable, Equatable, CustomStringConvertible {
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var pattern: String
        public var reason: String
        public var description: String { "invalid body regular expression \"\(pattern)\": \(reason)" }
    }

    public let pattern: String
    // Regex is immutable once compiled; it lacks a Sendable conformance only because of its generic Output.
    private let regex: Regex<AnyRegexOutput>

    public init(_ pattern: String) throws(SyntaxError) {
        do {
            regex = try Regex(pattern).anchorsMatchLineEndings()
        } catch {
            throw SyntaxError(pattern: pattern, reason: "\(error)")
        }
        self.pattern = pattern
    }

    /// True when the pattern matches anywhere in `body` (invalid UTF-8 is replaced, not rejected).
    public func matches<Bytes: Collection<UInt8>>(_ body: Bytes) -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        return (try? regex.firstMatch(in: text)) != nil
    }

    public var description: String { pattern }

    public static func == (a: BodyPattern, b: BodyPattern) -> Bool { a.pattern == b.pattern }
}
