import Glibc
import Testing

@testable import Daemon

/// The exact journal and JSON lines: journald reads the priority prefix, log shippers parse the JSON.
@Suite struct LogLineTests {
    @Test func journalLinesCarryTheSyslogPriorityAndNoTimestamp() {
        #expect(
            LineLogHandler.journalLine(.warning, "web 203.0.113.21:8000: weight 1 -> 0, drain (timeout)", [:])
                == "<4>web 203.0.113.21:8000: weight 1 -> 0, drain (timeout)")
        #expect(LineLogHandler.journalLine(.info, "ready", ["service": "web", "a": "1"]) == "<6>a=1 service=web ready")
        #expect(
            [.trace, .debug, .info, .notice, .warning, .error, .critical].map(LineLogHandler.priority)
                == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func jsonLinesAreOneObjectWithTimeLevelMessageAndMetadata() {
        let time = timespec(tv_sec: 1_796_152_333, tv_nsec: 45_900_000)
        #expect(
            LineLogHandler.jsonLine(.error, "say \"hi\"\n\u{1}\\", ["service": "web", "level": "x"], at: time)
                == #"{"time":"2026-12-01T19:12:13.045Z","level":"error","message":"say \"hi\"\n\u0001\\","#
                + #""service":"web"}"#)
        #expect(LineLogHandler.utc(timespec(tv_sec: 0, tv_nsec: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func aDrainIsAWarningUnlessInABurst() {
        #expect(ConditionLog.lineLevel(1, drain: true) == .warning)
        #expect(ConditionLog.lineLevel(1) == .notice)
        #expect(ConditionLog.lineLevel(ConditionLog.logBurst + 1, drain: true) == .debug)
    }
}
