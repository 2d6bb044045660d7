import Glibc
import Testing

@testable import EventLoop

@Suite struct EventLoopTests {
    @Test func timersFireInDeadlineOrderAndCancelledOnesNever() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        let start = loop.now()
        loop.schedule(at: start + .milliseconds(30)) {
            fired.append("c")
            loop.stop()
        }
        loop.schedule(at: start + .milliseconds(10)) { fired.append("a") }
        let cancelled = loop.schedule(at: start + .milliseconds(20)) { fired.append("x") }
        loop.schedule(at: start + .milliseconds(20)) { fired.append("b") }
        loop.cancel(cancelled)
        try loop.run()
        #expect(fired == ["a", "b", "c"])
        #expect(loop.now() - start >= .milliseconds(30))
    }

    @Test func readableDescriptorIsDispatchedAndUnwatchStopsIt() throws {
        let loop = try EventLoop()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        var got: [UInt8] = []
        try loop.watch(fds[0], for: .readable) { events in
            #expect(events.contains(.readable))
            var byte: UInt8 = 0
            _ = read(fds[0], &byte, 1)
            got.append(byte)
            loop.unwatch(fds[0])
            loop.stop()
        }
        var byte: UInt8 = 42
        _ = write(fds[1], &byte, 1)
        _ = write(fds[1], &byte, 1)
        try loop.run()
        try loop.runOnce(timeout: 20)
        #expect(got == [42])
        #expect(!loop.isWatching(fds[0]))
    }

    @Test func signalsArriveOnTheLoop() throws {
        let loop = try EventLoop()
        var received: [Int32] = []
        try loop.handleSignals([SIGUSR1]) { signal in
            received.append(signal)
            loop.stop()
        }
        // Thread-directed: tests run on several threads, and only this one blocks SIGUSR1.
        pthread_kill(pthread_self(), SIGUSR1)
        loop.schedule(after: .seconds(2)) { loop.stop() }
        try loop.run()
        #expect(received == [SIGUSR1])
    }

    @Test func timerHeapKeepsInsertionOrderForEqualDeadlines() {
        var heap = TimerHeap()
        var order: [Int] = []
        let t = Monotonic(nanoseconds: 100)
        for i in 0..<50 { _ = heap.insert(t, { order.append(i) }) }
        _ = heap.insert(Monotonic(nanoseconds: 50), { order.append(-1) })
        #expect(heap.earliest == Monotonic(nanoseconds: 50))
        for action in heap.popDue(Monotonic(nanoseconds: 99)) { action() }
        #expect(order == [-1])
        for action in heap.popDue(t) { action() }
        #expect(order == [-1] + Array(0..<50))
        #expect(heap.earliest == nil)
    }
}
