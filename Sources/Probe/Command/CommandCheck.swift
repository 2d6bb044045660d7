/// One exec check: a program run without a shell for one real server, judged by its exit status.
public struct CommandCheck: Sendable, Equatable {
    /// The program's absolute path, then its arguments.
    public var argv: [String]
    /// Added to drcheck's own environment (the server's `DRCHECK_*` variables).
    public var environment: [String: String]
    /// From the start to the exit; past it the whole process group is killed.
    public var timeout: Duration
    /// An exit status of 2-255 passes with weight status - 2 (keepalived's misc_dynamic convention).
    public var dynamicWeight: Bool

    public init(argv: [String], environment: [String: String] = [:], timeout: Duration, dynamicWeight: Bool = false) {
        self.argv = argv
        self.environment = environment
        self.timeout = timeout
        self.dynamicWeight = dynamicWeight
    }
}

/// How an exec check's end reads as a probe result: exit 0 passes, 1 fails; 2-255 pass with weight status - 2 for
/// a dynamic check and fail otherwise; a signal fails; the timeout is its own class.
public enum CommandVerdict {
    public enum End: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        /// Killed by drcheck at the check's timeout, after its processes waited this long for a CPU.
        case timedOut(cpuWait: Duration)
    }

    public static func result(_ end: End, dynamicWeight: Bool, output: String, duration: Duration) -> ProbeResult {
        let said = output.isEmpty ? "" : ": \(output)"
        switch end {
        case .exited(0):
            return ProbeResult(.ok, duration: duration)
        case .exited(let status) where status >= 2 && dynamicWeight:
            return ProbeResult(.ok, duration: duration, weight: Int(status) - 2)
        case .exited(let status):
            return ProbeResult(.execFailed, duration: duration, detail: "exit \(status)\(said)")
        case .signalled(let signal):
            return ProbeResult(.execFailed, duration: duration, detail: "killed by signal \(signal)\(said)")
        case .timedOut(let cpuWait):
            var result = ProbeResult(
                .execTimeout, duration: duration, detail: "still running at the timeout, process group killed\(said)")
            result.cpuWait = cpuWait
            return result
        }
    }

    /// A wait status (waitpid's) as an end.
    static func end(waitStatus status: Int32) -> End {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}
