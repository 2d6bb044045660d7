import Glibc
import Primitives

/// The standard `process_*` series (as Prometheus' client libraries export them), read from /proc at each scrape.
struct ProcessMetrics: Equatable {
    var cpuSeconds, startTimeSeconds: Double
    var residentBytes, virtualBytes, openFDs, maxFDs: Int

    /// This process now; nil when /proc cannot be read (then the series are left out).
    static func current() -> ProcessMetrics? {
        guard let stat = readSmallFile("/proc/self/stat"), let system = readSmallFile("/proc/stat"),
            let directory = opendir("/proc/self/fd")
        else { return nil }
        var entries = 0
        while let entry = readdir(directory) { entries += entry.pointee.d_name.0 == UInt8(ascii: ".") ? 0 : 1 }
        closedir(directory)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        // One of the entries was the directory being read.
        return ProcessMetrics(
            stat: stat, procStat: system, ticksPerSecond: sysconf(Int32(_SC_CLK_TCK)),
            pageSize: sysconf(Int32(_SC_PAGESIZE)), openFDs: entries - 1, maxFDs: Int(clamping: limit.rlim_cur))
    }

    /// From /proc/self/stat (utime, stime, starttime, vsize, rss are its fields 14, 15, 22, 23, 24, counted after the
    /// command's closing parenthesis, which may hold spaces) and /proc/stat's btime.
    init?(stat: String, procStat: String, ticksPerSecond: Int, pageSize: Int, openFDs: Int, maxFDs: Int) {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Field 3 (state) is the first after the parenthesis.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Int? { fields.count > number - 3 ? Int(fields[number - 3]) : nil }
        let boot = procStat.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Int($0.dropFirst(6)) }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let pages = field(24), let boot, ticksPerSecond > 0
        else { return nil }
        let ticks = Double(ticksPerSecond)
        cpuSeconds = Double(user + system) / ticks
        residentBytes = pages * pageSize
        virtualBytes = virtual
        startTimeSeconds = Double(boot) + Double(start) / ticks
        self.openFDs = openFDs
        self.maxFDs = maxFDs
    }

    /// The families in the text format, HELP texts as the Go client's.
    func exposition() -> String {
        let families: [(String, String, String, String)] = [
            (
                "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter",
                "\(cpuSeconds)"
            ),
            ("process_max_fds", "Maximum number of open file descriptors.", "gauge", "\(maxFDs)"),
            ("process_open_fds", "Number of open file descriptors.", "gauge", "\(openFDs)"),
            ("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", "\(residentBytes)"),
            (
                "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
                "\(startTimeSeconds)"
            ),
            ("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", "\(virtualBytes)"),
        ]
        return families.map { name, help, type, value in
            "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }.joined()
    }
}
