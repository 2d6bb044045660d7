/// The HTTP statuses a check accepts, written as in the config: `"200-399"` or `"200,204,300-399"`.
public struct StatusRanges: Hashable, Sendable, CustomStringConvertible {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "invalid status list \"\(text)\": \(reason)" }
    }

    public let ranges: [ClosedRange<Int>]

    public init(_ ranges: [ClosedRange<Int>]) { self.ranges = ranges }

    /// Statuses and ranges LOW-HIGH within 100-599, separated by commas; spaces around each are ignored.
    public init(parsing text: String) throws(ParseError) {
        var ranges: [ClosedRange<Int>] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingWhitespace()
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard !item.isEmpty, bounds.count <= 2 else {
                throw ParseError(text: text, reason: "\"\(item)\" is not a status or a range LOW-HIGH")
            }
            let low = try Self.status(bounds[0], in: text)
            let high = try bounds.count == 2 ? Self.status(bounds[1], in: text) : low
            guard low <= high else { throw ParseError(text: text, reason: "range \(item) is empty") }
            ranges.append(low...high)
        }
        self.ranges = ranges
    }

    public func contains(_ status: Int) -> Bool { ranges.contains { $0.contains(status) } }

    public var description: String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    private static func status(_ text: Substring, in whole: String) throws(ParseError) -> Int {
        let text = text.trimmingWhitespace()
        guard text.isDecimalDigits, let value = Int(text), (100...599).contains(value) else {
            throw ParseError(text: whole, reason: "\"\(text)\" is not an HTTP status (100-599)")
        }
        return value
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
