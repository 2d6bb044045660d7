import Glibc

/// How long the processes of a process group have waited for a CPU while runnable (the second field of each one's
/// /proc/PID/schedstat): what a command that timed out lost to a director short of CPU rather than to its server.
enum GroupCPUWait {
    /// The sum over the live processes of group `group`; zero where the kernel keeps no schedstat.
    static func of(group: pid_t) -> Duration {
        guard let directory = opendir("/proc") else { return .zero }
        defer { closedir(directory) }
        var total: Int64 = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let stat = read("/proc/\(pid)/stat"), processGroup(stat) == group,
                let schedstat = read("/proc/\(pid)/schedstat")
            else { continue }
            total += runQueueWait(schedstat) ?? 0
        }
        return .nanoseconds(total)
    }

    /// The process group in a /proc/PID/stat line ("pid (comm) state ppid pgrp ..."; comm may hold spaces and
    /// parentheses, so fields count from the last ')').
    static func processGroup(_ stat: String) -> pid_t? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? pid_t(fields[2]) : nil
    }

    /// The nanoseconds spent runnable but waiting, from a /proc/PID/schedstat line ("run wait slices").
    static func runQueueWait(_ schedstat: String) -> Int64? {
        let fields = schedstat.split(separator: " ")
        return fields.count > 1 ? Int64(fields[1].filter { !$0.isWhitespace }) : nil
    }

    /// A small /proc file's text, nil when it cannot be read (the process is gone).
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = Glibc.read(fd, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : nil
    }
}
