import EventLoop
import Glibc
import Testing

@testable import Probe

/// Exec checks run as real processes on a real loop: exit rules, environment, output, timeout, what a command
/// inherits.
struct CommandRunnerTests {
    private func run(
        _ script: String, timeout: Duration = .seconds(10), dynamic: Bool = false,
        environment: [String: String] = [:]
    ) throws -> ProbeResult {
        try run(
            CommandCheck(
                argv: ["/bin/sh", "-c", script], environment: environment, timeout: timeout, dynamicWeight: dynamic))
    }

    private func run(_ check: CommandCheck) throws -> ProbeResult {
        let loop = try EventLoop()
        let runner = CommandRunner(loop: loop)
        var result: ProbeResult?
        runner.start(check) { result = $0 }
        #expect(result == nil)
        try loop.run(until: { result != nil })
        #expect(runner.running == 0)
        return try #require(result)
    }

    @Test func exitZeroPassesAndOneFailsWithTheFirstLine() throws {
        let passed = try run("echo fine; exit 0")
        #expect(passed.probeClass == .ok)
        #expect(passed.detail == "")
        #expect(passed.weight == nil)
        let failed = try run("echo '  no answer from 203.0.113.21  '; echo second line; exit 1")
        #expect(failed.probeClass == .execFailed)
        #expect(failed.detail == "exit 1: no answer from 203.0.113.21")
    }

    @Test(arguments: [(2, 0), (7, 5), (255, 253)])
    func aDynamicCheckReportsItsWeight(status: Int, weight: Int) throws {
        let result = try run("exit \(status)", dynamic: true)
        #expect(result.probeClass == .ok)
        #expect(result.weight == weight)
    }

    @Test func withoutDynamicWeightOtherStatusesFail() throws {
        let result = try run("exit 7")
        #expect(result.probeClass == .execFailed)
        #expect(result.detail == "exit 7")
        #expect(result.weight == nil)
        #expect(try run("exit 1", dynamic: true).probeClass == .execFailed)
    }

    @Test func aSignalFails() throws {
        let result = try run("kill -TERM $$")
        #expect(result.probeClass == .execFailed)
        #expect(result.detail == "killed by signal 15")
    }

    @Test func theServerIsInTheEnvironmentBesideDrchecksOwn() throws {
        let result = try run(
            "echo \"$DRCHECK_RIP:$DRCHECK_RPORT via $DRCHECK_VIP ${PATH:+with PATH}\"; exit 1",
            environment: ["DRCHECK_RIP": "203.0.113.21", "DRCHECK_RPORT": "53", "DRCHECK_VIP": "198.51.100.33"])
        #expect(result.detail == "exit 1: 203.0.113.21:53 via 198.51.100.33 with PATH")
    }

    @Test func aHungCommandIsKilledWithItsGroupAndReaped() throws {
        // The shell prints its pid, leaves a sleeping child in its group, and waits.
        let result = try run("echo $$; sleep 30 & wait", timeout: .milliseconds(300))
        #expect(result.probeClass == .execTimeout)
        let pid = try #require(pid_t(result.detail.split(separator: " ").last ?? ""))
        #expect(result.detail == "still running at the timeout, process group killed: \(pid)")
        // Reaped: no such process, and not a child of this process any more.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD)
        // The group's other member was killed too (a zombie until init reaps it: never signalled by 0 as alive).
        var alive = false
        for _ in 0..<50 {
            alive = kill(-pid, 0) == 0 && processesAlive(inGroup: pid)
            if !alive { break }
            usleep(20_000)
        }
        #expect(!alive)
    }

    @Test func outputBeyondTheLimitIsDrainedAndDropped() throws {
        let result = try run("head -c 1000000 /dev/zero | tr '\\0' a; exit 1")
        #expect(result.probeClass == .execFailed)
        #expect(result.detail == "exit 1: " + String(repeating: "a", count: 200))
    }

    @Test func aCommandGetsNoDescriptorOfDrcheckAndNoBlockedSignal() throws {
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGUSR2)
        pthread_sigmask(SIG_BLOCK, &block, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &block, nil) }
        // Read by the shell itself (builtins and a redirection): a forked grep could see the shell mid-fork, when
        // it blocks every signal for a moment.
        let script =
            "for fd in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$fd ] && echo open $fd; done; "
            + "while read -r line; do case $line in SigBlk*) echo \"$line\";; esac; done < /proc/self/status; exit 1"
        let detail = try run(script).detail
        #expect(detail == "exit 1: SigBlk:\t0000000000000000")
    }

    @Test func aProgramThatCannotBeStartedIsALocalError() throws {
        let result = try run(CommandCheck(argv: ["/nonexistent/drcheck-check"], timeout: .seconds(1)))
        #expect(result.probeClass == .localError)
        #expect(result.detail == "cannot run /nonexistent/drcheck-check: No such file or directory")
    }

    @Test func aCancelledCommandNeverCompletesAndIsReaped() throws {
        let loop = try EventLoop()
        let runner = CommandRunner(loop: loop)
        var completed = false
        let id = runner.start(CommandCheck(argv: ["/bin/sleep", "30"], timeout: .seconds(10))) { _ in completed = true }
        runner.cancel(id)
        try loop.run(until: { runner.running == 0 })
        #expect(!completed)
    }

    /// Whether a process of group `group` is alive (not a zombie).
    private func processesAlive(inGroup group: pid_t) -> Bool {
        guard let directory = opendir("/proc") else { return false }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let file = fopen("/proc/\(pid)/stat", "r") else { continue }
            defer { fclose(file) }
            var line = [CChar](repeating: 0, count: 512)
            guard fgets(&line, 512, file) != nil else { continue }
            let text = String(cString: line)
            // "pid (comm) state ppid pgrp ...": the fields after the command's closing parenthesis.
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group { return true }
        }
        return false
    }
}
