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

    /// Closes `number` behind the loop's back and puts a new pipe's read end on it, in one step (dup2), so that no
    /// test running beside takes the number meanwhile. Returns the new pipe's write end.
    private func replaceWithNewPipe(_ number: Int32) -> Int32 {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        #expect(dup2(fds[0], number) == number)
        close(fds[0])
        return fds[1]
    }

    /// A watched pipe whose number is given to a new pipe behind the loop's back (libcurl closes a socket that
    /// never connected without telling): the old watch and the new pipe's ends.
    private func watchedThenReplaced(_ loop: EventLoop) throws -> (old: EventLoop.WatchID, read: Int32, write: Int32) {
        var first: [Int32] = [0, 0]
        #expect(pipe(&first) == 0)
        close(first[1])
        let old = try loop.watch(first[0], for: .readable) { _ in Issue.record("the replaced pipe's handler ran") }
        return (old, first[0], replaceWithNewPipe(first[0]))
    }

    /// Watches `read` anew, runs `then`, writes a byte to `write` and runs the loop (2 s at most): whether the new
    /// watch's handler ran.
    private func wakes(_ loop: EventLoop, _ read: Int32, _ write: Int32, then: () -> Void = {}) throws -> Bool {
        var woke = false
        try loop.watch(read, for: .readable) { _ in
            woke = true
            loop.stop()
        }
        then()
        #expect(Glibc.write(write, "x", 1) == 1)
        loop.schedule(after: .seconds(2)) { loop.stop() }
        try loop.run()
        return woke
    }

    @Test func aWatchedNumberClosedBehindTheLoopsBackAndReusedIsWatchedAnew() throws {
        let loop = try EventLoop()
        let (_, read, write) = try watchedThenReplaced(loop)
        defer {
            close(read)
            close(write)
        }
        #expect(try wakes(loop, read, write))
    }

    @Test func unwatchingAnOldWatchLeavesTheNumbersNewerWatchAlone() throws {
        let loop = try EventLoop()
        let (old, read, write) = try watchedThenReplaced(loop)
        defer {
            close(read)
            close(write)
        }
        #expect(try wakes(loop, read, write) { loop.unwatch(old) })
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

@Suite struct LatenessHistoryTests {
    private func at(_ milliseconds: UInt64) -> Monotonic {
        Monotonic(nanoseconds: 1_000_000_000_000 + milliseconds * 1_000_000)
    }

    @Test func worstLatenessOfTheWindowOnly() {
        var history = LatenessHistory()
        history.record(.milliseconds(30), at: at(50))
        history.record(.milliseconds(400), at: at(1_250))
        history.record(.milliseconds(10), at: at(2_020))
        #expect(history.worst(from: at(0), to: at(999)) == .milliseconds(30))
        #expect(history.worst(from: at(1_000), to: at(2_100)) == .milliseconds(400))
        #expect(history.worst(from: at(1_300), to: at(2_100)) == .milliseconds(10))
        #expect(history.worst(from: at(3_000), to: at(4_000)) == .zero)
    }

    @Test func aSlotReusedAMinuteLaterForgetsWhatItHeld() {
        var history = LatenessHistory()
        history.record(.seconds(2), at: at(150))
        history.record(.milliseconds(5), at: at(60_150))
        #expect(history.worst(from: at(60_000), to: at(60_199)) == .milliseconds(5))
        // A window longer than the history reads the last minute.
        #expect(history.worst(from: at(0), to: at(60_199)) == .milliseconds(5))
    }

    @Test func theLoopRecordsHowLateItRanATimer() throws {
        let loop = try EventLoop()
        let due = loop.now() + .milliseconds(5)
        loop.schedule(at: due) {}
        // Held up for 60 ms before the loop gets to the timer.
        usleep(65_000)
        try loop.runOnce(timeout: 0)
        let worst = loop.lateness.worst(from: due, to: loop.now())
        #expect(worst >= .milliseconds(55))
        #expect(worst < .seconds(5))
    }

    /// Runs `body` with a pipe (read end, write end), unwatched from `loop` and closed afterwards.
    private func withPipe(on loop: EventLoop, _ body: (_ ends: [Int32]) throws -> Void) throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer {
            loop.unwatch(ends[0])
            close(ends[0])
            close(ends[1])
        }
        try body(ends)
    }

    @Test func aSocketHandlerSeesTheLatenessOfItsOwnTurn() throws {
        let loop = try EventLoop()
        try withPipe(on: loop) { ends in
            let due = loop.now() + .milliseconds(5)
            loop.schedule(at: due) {}
            var seen: Duration?
            try loop.watch(ends[0], for: .readable) { _ in seen = loop.lateness.worst(from: due, to: loop.now()) }
            _ = write(ends[1], "x", 1)
            // Held up for 60 ms: the turn's socket event is handled before its timer runs.
            usleep(65_000)
            try loop.runOnce(timeout: 0)
            #expect((seen ?? .zero) >= .milliseconds(55))
        }
    }

    @Test func aTurnReadsTheClockOnceAndATimerDueDuringItsHandlersFiresNextTurnLate() throws {
        var clock = Monotonic(nanoseconds: 1_000_000_000)
        var reads = 0
        let loop = try EventLoop {
            reads += 1
            return clock
        }
        try withPipe(on: loop) { ends in
            let due = clock + .milliseconds(5)
            var fired = false
            loop.schedule(at: due) { fired = true }
            try loop.watch(ends[0], for: .readable) { _ in
                var byte: UInt8 = 0
                _ = read(ends[0], &byte, 1)
                // The handler's work takes 10 ms: the timer falls due meanwhile.
                clock = clock + .milliseconds(10)
            }
            // A first turn with nothing ready: the loop has a reading to time its waits from.
            try loop.runOnce(timeout: 0)
            _ = write(ends[1], "x", 1)
            reads = 0
            try loop.runOnce(timeout: 0)
            #expect(reads == 1)
            #expect(!fired)
            try loop.runOnce(timeout: 0)
            #expect(reads == 2)
            #expect(fired)
            #expect(loop.lateness.worst(from: due, to: clock) == .milliseconds(5))
        }
    }

    @Test func soonWorkRunsBeforeTheLoopWaitsAndInOrder() throws {
        let loop = try EventLoop()
        var order: [String] = []
        loop.soon {
            order.append("a")
            loop.soon { order.append("c") }
        }
        loop.soon { order.append("b") }
        // A long wait would block: soon work makes the wait return at once.
        try loop.runOnce(timeout: 10_000)
        #expect(order == ["a", "b", "c"])
    }
}
