extension Double {
    /// The value with `decimals` digits after the point, like printf's `%.Nf` (which needs Foundation's
    /// String(format:) and so ICU), but rounding a tie away from zero and never printing -0.
    public func fixed(_ decimals: Int) -> String {
        guard isFinite else { return isNaN ? "nan" : (self < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let units = (magnitude * scale).rounded()
        let whole = (units / scale).rounded(.towardZero)
        let sign = self < 0 && units > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(UInt64(whole)) }
        let fraction = String(UInt64(units - whole * scale))
        return sign + String(UInt64(whole)) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
