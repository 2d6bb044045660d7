/// What a real server says of its own weight in the header `weight_header` names, read from each passing probe's
/// answer (its body is not read for it): `N%` of its configured weight, `drain` (weight 0 while its checks pass) or
/// `up` (its configured weight), in any case; anything else is `invalid`, which leaves the configured weight.
public enum WeightFeedback: Hashable, Sendable {
    case percent(Int)
    case drain
    case up
    case invalid

    /// The most a server may ask for: ten times its configured weight.
    public static let maxPercent = 1000

    public init(header value: some StringProtocol) {
        let text = value.lowercased()
        switch text {
        case "drain": self = .drain
        case "up": self = .up
        default:
            guard text.hasSuffix("%"), let percent = Int(text.dropLast()), (0...Self.maxPercent).contains(percent)
            else {
                self = .invalid
                return
            }
            self = .percent(percent)
        }
    }

    /// The verdict of a passing probe that carried it.
    public var verdict: ProbeVerdict {
        switch self {
        case .percent(let percent): .scaled(percent: percent)
        case .drain: .reported(weight: 0)
        case .up, .invalid: .success
        }
    }

    /// `percent` of `weight`, rounded; a share above 0% of a weight above 0 is at least 1.
    public static func scale(_ weight: Int, percent: Int) -> Int {
        guard percent > 0, weight > 0 else { return 0 }
        return max(1, (weight * percent + 50) / 100)
    }
}
