import Glibc

/// A point on CLOCK_MONOTONIC, the clock the loop's timers and epoll_wait's timeout follow, in nanoseconds.
public struct Monotonic: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func now() -> Monotonic {
        var ts = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Monotonic(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public static func < (a: Monotonic, b: Monotonic) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: Monotonic, d: Duration) -> Monotonic {
        let ns = d.nanosecondsClamped
        return ns >= 0
            ? Monotonic(nanoseconds: a.nanoseconds &+ UInt64(ns))
            : Monotonic(nanoseconds: a.nanoseconds &- min(a.nanoseconds, UInt64(-ns)))
    }

    /// The signed time from `b` to `a`.
    public static func - (a: Monotonic, b: Monotonic) -> Duration {
        a >= b
            ? .nanoseconds(Int64(clamping: a.nanoseconds - b.nanoseconds))
            : .nanoseconds(-Int64(clamping: b.nanoseconds - a.nanoseconds))
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at the bounds of Int64.
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return ns.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? (seconds < 0 ? .min : .max) : ns + attoseconds / 1_000_000_000
    }

    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
