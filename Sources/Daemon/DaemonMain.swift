import EventLoop
import FoundationEssentials
import Logging
import Probe

/// Runs the daemon in the foreground until SIGTERM or SIGINT; returns the process's exit status.
public enum DaemonMain {
    public static func run(options: DaemonOptions, log: Logger) -> Int32 {
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
