import Testing

@testable import Probe

/// The exit rules of exec checks, and what /proc says of a command's wait for a CPU.
struct CommandVerdictTests {
    @Test(arguments: [
        (CommandVerdict.End.exited(0), false, ProbeClass.ok, nil as Int?, ""),
        (.exited(1), true, .execFailed, nil, "exit 1: no reply"),
        (.exited(2), true, .ok, 0, ""),
        (.exited(102), true, .ok, 100, ""),
        (.exited(102), false, .execFailed, nil, "exit 102: no reply"),
        (.signalled(9), true, .execFailed, nil, "killed by signal 9: no reply"),
        (
            .timedOut(cpuWait: .milliseconds(5)), true, .execTimeout, nil,
            "still running at the timeout, process group killed: no reply"
        ),
    ])
    func exitRules(end: CommandVerdict.End, dynamic: Bool, probeClass: ProbeClass, weight: Int?, detail: String) {
        let output = probeClass == .ok ? "" : "no reply"
        let result = CommandVerdict.result(end, dynamicWeight: dynamic, output: output, duration: .milliseconds(20))
        #expect(result.probeClass == probeClass)
        #expect(result.weight == weight)
        #expect(result.detail == detail)
        #expect(result.duration == .milliseconds(20))
    }

    @Test func aTimeoutCarriesTheWaitForACPU() {
        let result = CommandVerdict.result(
            .timedOut(cpuWait: .milliseconds(700)), dynamicWeight: false, output: "", duration: .seconds(1))
        #expect(result.cpuWait == .milliseconds(700))
        #expect(result.detail == "still running at the timeout, process group killed")
    }

    @Test func waitStatusesReadAsExitsAndSignals() {
        #expect(CommandVerdict.end(waitStatus: 0) == .exited(0))
        #expect(CommandVerdict.end(waitStatus: 3 << 8) == .exited(3))
        #expect(CommandVerdict.end(waitStatus: 9) == .signalled(9))
        #expect(CommandVerdict.end(waitStatus: 15 | 0x80) == .signalled(15))
    }

    @Test func procFieldsAreReadPastTheCommandName() {
        #expect(GroupCPUWait.processGroup("4242 (dig) S 4240 4241 4241 0 -1") == 4241)
        #expect(GroupCPUWait.processGroup("4242 (a b) c)) R 1 77 77") == 77)
        #expect(GroupCPUWait.processGroup("garbage") == nil)
        #expect(GroupCPUWait.runQueueWait("70000000 10000000 6\n") == 10_000_000)
        #expect(GroupCPUWait.runQueueWait("1") == nil)
    }
}
