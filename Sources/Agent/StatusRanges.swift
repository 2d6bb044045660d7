import Foundation

/// The HTTP statuses a check accepts, written `"200-399"` or `"200,204,300-399"` (or a YAML list of those).
public struct StatusRanges: Hashable, Sendable, CustomStringConvertible {
    public let ranges: [ClosedRange<Int>]

    public init?(_ text: String) {
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.trimmingCharacters(in: .whitespaces).split(
                separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                (100...599).contains(low), (low...599).contains(high)
            else { return nil }
            ranges.append(low...high)
        }
        self.ranges = ranges
    }

    public var description: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}
