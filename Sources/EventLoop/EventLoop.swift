import CLinux
import Glibc

/// The agent's single thread of control: one epoll whose wait ends at the earliest timer, one signalfd.
/// Everything registered here runs on the thread that calls `run()`; nothing in a handler may block.
///
/// Cost per turn matters (a director probes thousands of servers a second, and a trapped system call is dear): a turn
/// reads the clock once, when the wait ends (`now()` inside a turn is that reading; a timer that falls due while the
/// turn's handlers run fires in the next turn, whose lateness shows their time), waits with epoll_wait's own timeout
/// instead of a timerfd, and runs `soon` work without touching any timer.
public final class EventLoop {
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        /// Reported only: the peer hung up or the descriptor is in error.
        public static let hangup = Events(rawValue: EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue)
    }

    public struct TimerID: Hashable, Sendable {
        fileprivate let raw: UInt64
    }

    /// One watch of a descriptor, told apart from a later watch of the same number.
    public struct WatchID: Hashable, Sendable {
        public let fd: Int32
        fileprivate let generation: UInt32
    }

    private struct Watch {
        var generation: UInt32
        var handler: (Events) -> Void
    }

    private static let batch = 256

    private let epollFD: Int32
    private var signalFD: Int32 = -1
    private var signalHandler: ((Int32) -> Void)?
    private var watches: [Int32: Watch] = [:]
    private var nextGeneration: UInt32 = 1
    private var timers = TimerHeap()
    private var soonQueue: [() -> Void] = []
    private let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: batch)
    /// The clock as read for the turn under way; nil between turns (then `now()` reads the clock).
    private var turnTime: Monotonic?
    /// The last turn's reading, from which the next wait is timed (the turn's work after it makes the wait at most
    /// that much long, which the next turn's lateness shows).
    private var lastRead: Monotonic?
    private var running = false
    /// CLOCK_MONOTONIC; a test's virtual clock instead, which moves only when the test says.
    private let readClock: () -> Monotonic

    /// How late the loop has run its timers: the evidence that decides whether a probe's timeout can be trusted.
    public private(set) var lateness = LatenessHistory()

    /// `clock`: where the loop reads the time; tests give a virtual one and run turns with `runOnce(timeout: 0)`.
    public init(clock: @escaping () -> Monotonic = Monotonic.now) throws(SystemError) {
        readClock = clock
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else {
            events.deallocate()
            throw SystemError("epoll_create1")
        }
    }

    deinit {
        if signalFD >= 0 { close(signalFD) }
        close(epollFD)
        events.deallocate()
    }

    /// The time of the turn under way (read when its wait ended), else the clock now.
    public func now() -> Monotonic { turnTime ?? readClock() }

    // MARK: descriptors

    /// Watches `fd` for `events`, replacing any earlier watch of it.
    @discardableResult
    public func watch(_ fd: Int32, for events: Events, _ handler: @escaping (Events) -> Void) throws(SystemError)
        -> WatchID
    {
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        let mask = events.rawValue | EPOLLRDHUP.rawValue
        let data = UInt64(generation) << 32 | UInt64(UInt32(fd))
        if watches[fd] == nil {
            try control(EPOLL_CTL_ADD, fd, mask, data: data)
        } else {
            do {
                try control(EPOLL_CTL_MOD, fd, mask, data: data)
            } catch {
                // The watched descriptor was closed without the loop being told (libcurl closes a socket that never
                // connected so) and its number is a new descriptor now, not yet in epoll.
                guard error.errno == ENOENT else { throw error }
                try control(EPOLL_CTL_ADD, fd, mask, data: data)
            }
        }
        watches[fd] = Watch(generation: generation, handler: handler)
        return WatchID(fd: fd, generation: generation)
    }

    /// Changes the events a watched descriptor is waited for, keeping its handler.
    public func update(_ fd: Int32, for events: Events) throws(SystemError) {
        guard let watch = watches[fd] else { return }
        try control(
            EPOLL_CTL_MOD, fd, events.rawValue | EPOLLRDHUP.rawValue,
            data: UInt64(watch.generation) << 32 | UInt64(UInt32(fd)))
    }

    /// Stops watching `fd`. Call before closing it. `closing`: the caller closes it right away (and it is not
    /// shared with another process), which drops it from epoll by itself, so no system call is made for it here.
    public func unwatch(_ fd: Int32, closing: Bool = false) {
        guard watches.removeValue(forKey: fd) != nil, !closing else { return }
        drop(fd)
    }

    /// Stops `id` if it is still its descriptor's watch: the number may since have been closed without the loop
    /// being told and watched again by someone else, whose watch this leaves alone.
    public func unwatch(_ id: WatchID) {
        guard watches[id.fd]?.generation == id.generation else { return }
        unwatch(id.fd)
    }

    private func drop(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    public func isWatching(_ fd: Int32) -> Bool { watches[fd] != nil }

    // MARK: timers

    @discardableResult
    public func schedule(at deadline: Monotonic, _ action: @escaping () -> Void) -> TimerID {
        TimerID(raw: timers.insert(deadline, action))
    }

    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping () -> Void) -> TimerID {
        schedule(at: now() + delay, action)
    }

    public func cancel(_ timer: TimerID) {
        timers.cancel(timer.raw)
    }

    /// The earliest timer's deadline: how far a virtual clock may move before the loop must run a turn.
    public var nextDeadline: Monotonic? { timers.earliest }

    /// Runs `action` once the work under way is done, before the loop waits again: after the current turn's handlers
    /// and timers (or at the next turn when called outside one). Cheaper than a timer, and never late.
    public func soon(_ action: @escaping () -> Void) {
        soonQueue.append(action)
    }

    // MARK: signals

    /// Delivers `signals` to `handler` on the loop instead of asynchronously (they are blocked for the thread).
    public func handleSignals(_ signals: [Int32], _ handler: @escaping (Int32) -> Void) throws(SystemError) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError("pthread_sigmask") }
        let fd = signalfd(signalFD, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("signalfd") }
        signalHandler = handler
        if signalFD < 0 {
            signalFD = fd
            try watch(fd, for: .readable) { [unowned self] _ in self.drainSignals() }
        }
    }

    private func drainSignals() {
        var info = signalfd_siginfo()
        while read(signalFD, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            signalHandler?(Int32(info.ssi_signo))
        }
    }

    // MARK: running

    /// Runs until `stop()` is called from a handler.
    public func run() throws(SystemError) {
        running = true
        while running { try runOnce(timeout: -1) }
    }

    public func stop() { running = false }

    /// Waits up to `timeout` milliseconds (-1: until something happens), or less when a timer is due sooner, and
    /// dispatches what is ready: descriptors, then due timers, then `soon` work.
    public func runOnce(timeout: Int32) throws(SystemError) {
        let count = epoll_wait(epollFD, events, Int32(Self.batch), waitTimeout(timeout))
        if count < 0 {
            if errno == EINTR { return }
            throw SystemError("epoll_wait")
        }
        let now = readClock()
        turnTime = now
        lastRead = now
        defer { turnTime = nil }
        // Before the handlers: a probe that ends in a socket's handler (libcurl finds its deadline passed there) is
        // judged against this turn's lateness too, not only against earlier turns'.
        if let first = timers.earliest, first <= now { lateness.record(now - first, at: now) }
        for index in 0..<Int(count) {
            let data = events[index].data.u64
            let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data))
            guard let watch = watches[fd] else {
                // Still registered although unwatched: said to be closing, it was not. Dropped now, once.
                drop(fd)
                continue
            }
            // A handler earlier in this batch may have replaced this watch.
            guard watch.generation == UInt32(data >> 32) else { continue }
            watch.handler(Events(rawValue: events[index].events))
        }
        for action in timers.popDue(now) { action() }
        runSoon()
    }

    /// `soon` work queued now may queue more: it all runs before the loop waits.
    private func runSoon() {
        while !soonQueue.isEmpty {
            let work = soonQueue
            soonQueue.removeAll(keepingCapacity: true)
            for action in work { action() }
        }
    }

    /// The caller's timeout, shortened to the earliest timer (rounded up to whole milliseconds: never early).
    private func waitTimeout(_ timeout: Int32) -> Int32 {
        if !soonQueue.isEmpty { return 0 }
        guard let earliest = timers.earliest else { return timeout }
        let now = lastRead ?? readClock()
        guard earliest > now else { return 0 }
        let milliseconds = (earliest.nanoseconds - now.nanoseconds + 999_999) / 1_000_000
        let due = Int32(clamping: milliseconds)
        return timeout < 0 ? due : min(timeout, due)
    }

    private func control(_ op: Int32, _ fd: Int32, _ events: UInt32, data: UInt64) throws(SystemError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = data
        guard epoll_ctl(epollFD, op, fd, &event) == 0 else { throw SystemError("epoll_ctl") }
    }
}
