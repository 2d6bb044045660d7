import EventLoop
import Exporter
import Glibc
import Primitives
import Testing

@testable import Agent
@testable import Daemon

/// Which state changes run a change hook, with what; and the runner's order, timeout and queue limit with real
/// processes.
struct HookEventTests {
    static let service = ServiceKey("198.51.100.33:8000/tcp")!
    static let server = Endpoint("203.0.113.21:8000")!
    static let id = ServerID(service: service, server: server)

    @Test func transitionsThatAreStateChanges() {
        func event(_ kind: Transition.Kind) -> HookEvent? {
            HookEvent.of(Transition(service: Self.service, server: Self.server, kind: kind))
        }
        #expect(
            event(.down("timeout"))
                == HookEvent(
                    name: "down", service: Self.service, server: Self.server, values: [.resultClass: "timeout"]))
        #expect(event(.up)?.name == "up")
        #expect(event(.administrativeDrain)?.name == "admin_drained")
        #expect(event(.maintenance(DrainNote(reason: "deploy", by: "alice", at: 1)))?.values == [.reason: "deploy"])
        #expect(event(.handedBack)?.name == "undrained")
        #expect(
            HookEvent.of(Transition(service: Self.service, server: nil, kind: .panic))
                == HookEvent(name: "panic", service: Self.service, server: nil))
        #expect(event(.appeared(weight: 1)) == nil)
        #expect(event(.adopted(weight: 3)) == nil)
    }

    @Test func weightsWrittenThatAreStateChanges() {
        func event(_ reason: WeightChange.Reason, to: Int = 0) -> HookEvent? {
            HookEvent.of(WeightChange(id: Self.id, from: 5, to: to, reason: reason))
        }
        #expect(
            event(.drain("reset"))
                == HookEvent(
                    name: "drained", service: Self.service, server: Self.server,
                    values: [.weightFrom: "5", .weightTo: "0", .resultClass: "reset"]))
        #expect(event(.restore, to: 5)?.name == "restored")
        #expect(event(.slowStart(step: 1, steps: 3), to: 1)?.name == "restored")
        #expect(event(.slowStart(step: 2, steps: 3), to: 3) == nil)
        #expect(event(.sorryServer, to: 2)?.name == "sorry_server_up")
        #expect(event(.sorryServer, to: 0)?.name == "sorry_server_down")
        #expect(event(.reported, to: 2) == nil)
        #expect(HookEvent.directorFault("accept_local is 0").values == [.reason: "accept_local is 0"])
        #expect(HookEvent.directorFault(nil).name == "director_fault_over")
    }

    @Test func hooksRunInOrderOneAtATimeAndAHungOneIsKilled() throws {
        let loop = try EventLoop()
        var ends: [(HookResult, String)] = []
        let runner = HookRunner(loop: loop) { result, job, _ in ends.append((result, job.label)) }
        runner.timeout = .milliseconds(300)
        var template = Array("/tmp/drcheck-hooks-XXXXXX".utf8CString)
        let folder = String(cString: mkdtemp(&template))
        let file = folder + "/events"
        for (label, script) in [
            ("first", "echo first >> \(file)"), ("hung", "exec sleep 30"), ("third", "echo third >> \(file); exit 3"),
        ] {
            runner.run(HookRunner.Job(argv: ["/bin/sh", "-c", script], environment: [:], label: label))
        }
        while ends.count < 3 { try loop.runOnce(timeout: 20) }
        #expect(ends.map(\.0) == [.ok, .timeout, .failed])
        #expect(ends.map(\.1) == ["first", "hung", "third"])
        let fd = open(file, O_RDONLY)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, 64)
        close(fd)
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "first\nthird\n")
    }

    @Test func eventsBeyondTheQueueAreDropped() throws {
        let loop = try EventLoop()
        var results: [HookResult] = []
        let runner = HookRunner(loop: loop) { result, _, _ in results.append(result) }
        for _ in 0..<(HookRunner.queueLimit + 3) {
            runner.run(HookRunner.Job(argv: ["/bin/true"], environment: [:], label: "x"))
        }
        // One started at once; the queue holds the limit; three found it full.
        #expect(results == [.dropped, .dropped])
        while results.count < HookRunner.queueLimit + 3 { try loop.runOnce(timeout: 20) }
        #expect(results.filter { $0 == .dropped }.count == 2)
        #expect(results.filter { $0 == .ok }.count == HookRunner.queueLimit + 1)
    }
}
