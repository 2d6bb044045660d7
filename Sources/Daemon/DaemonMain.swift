import CLinux
import EventLoop
import FoundationEssentials
import Logging
import Probe

/// Runs the daemon in the foreground until SIGTERM or SIGINT; returns the process's exit status.
public enum DaemonMain {
    public static func run(options: DaemonOptions, log: Logger) -> Int32 {
        // Blocks of 128 KiB and more (a state file's text, a scrape's exposition, a table by server while it grows)
        // are mapped and unmapped on their own rather than carved from the heap, where a freed one stays resident
        // among live allocations: glibc otherwise raises this threshold to the largest block freed so far.
        _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
        do {
            let loop = try EventLoop()
            let daemon = try AgentDaemon<ProbeEngine>.start(
                options: options, loop: loop, log: log, environment: ProcessInfo.processInfo.environment)
            try withExtendedLifetime(daemon) { try loop.run() }
            return 0
        } catch let error as StartupError {
            log.critical("\(error.description)")
            return error.exitStatus
        } catch {
            log.critical("\(error)")
            return 1
        }
    }
}
