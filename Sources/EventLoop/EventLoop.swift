import CLinux
import Glibc

/// The agent's single thread of control: one epoll, one timerfd armed to the earliest deadline, one signalfd.
/// Everything registered here runs on the thread that calls `run()`; nothing in a handler may block.
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

    private struct Watch {
        var generation: UInt32
        var handler: (Events) -> Void
    }

    private let epollFD: Int32
    private let timerFD: Int32
    private var signalFD: Int32 = -1
    private var signalHandler: ((Int32) -> Void)?
    private var watches: [Int32: Watch] = [:]
    private var nextGeneration: UInt32 = 1
    private var timers = TimerHeap()
    private var armedDeadline: Monotonic?
    private var running = false

    public init() throws(SystemError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SystemError("epoll_create1") }
        timerFD = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard timerFD >= 0 else {
            let error = SystemError("timerfd_create")
            close(epollFD)
            throw error
        }
        try control(EPOLL_CTL_ADD, timerFD, Events.readable.rawValue, data: 0)
    }

    deinit {
        close(timerFD)
        if signalFD >= 0 { close(signalFD) }
        close(epollFD)
    }

    public func now() -> Monotonic { Monotonic.now() }

    // MARK: descriptors

    /// Watches `fd` for `events`, replacing any earlier watch of it.
    public func watch(_ fd: Int32, for events: Events, _ handler: @escaping (Events) -> Void) throws(SystemError) {
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        let op = watches[fd] == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        try control(op, fd, events.rawValue | EPOLLRDHUP.rawValue, data: UInt64(generation) << 32 | UInt64(UInt32(fd)))
        watches[fd] = Watch(generation: generation, handler: handler)
    }

    /// Changes the events a watched descriptor is waited for, keeping its handler.
    public func update(_ fd: Int32, for events: Events) throws(SystemError) {
        guard let watch = watches[fd] else { return }
        try control(
            EPOLL_CTL_MOD, fd, events.rawValue | EPOLLRDHUP.rawValue,
            data: UInt64(watch.generation) << 32 | UInt64(UInt32(fd)))
    }

    /// Stops watching `fd`. Call before closing it.
    public func unwatch(_ fd: Int32) {
        guard watches.removeValue(forKey: fd) != nil else { return }
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    public func isWatching(_ fd: Int32) -> Bool { watches[fd] != nil }

    // MARK: timers

    @discardableResult
    public func schedule(at deadline: Monotonic, _ action: @escaping () -> Void) -> TimerID {
        let id = timers.insert(deadline, action)
        rearm()
        return TimerID(raw: id)
    }

    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping () -> Void) -> TimerID {
        schedule(at: now() + delay, action)
    }

    public func cancel(_ timer: TimerID) {
        timers.cancel(timer.raw)
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

    /// Waits up to `timeout` milliseconds (-1: until something happens) and dispatches what is ready.
    public func runOnce(timeout: Int32) throws(SystemError) {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        let count = epoll_wait(epollFD, &events, Int32(events.count), timeout)
        if count < 0 {
            if errno == EINTR { return }
            throw SystemError("epoll_wait")
        }
        for event in events.prefix(Int(count)) {
            let data = event.data.u64
            if data == 0 {
                var expirations: UInt64 = 0
                _ = read(timerFD, &expirations, 8)
                armedDeadline = nil
                continue
            }
            let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data))
            // A handler earlier in this batch may have dropped or replaced this watch.
            guard let watch = watches[fd], watch.generation == UInt32(data >> 32) else { continue }
            watch.handler(Events(rawValue: event.events))
        }
        for action in timers.popDue(now()) { action() }
        rearm()
    }

    private func rearm() {
        let earliest = timers.earliest
        guard earliest != armedDeadline else { return }
        armedDeadline = earliest
        var spec = itimerspec()
        if let earliest {
            spec.it_value = earliest.timespec
            // A zero it_value disarms the timer; a deadline of exactly zero is already due.
            if spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0 { spec.it_value.tv_nsec = 1 }
        }
        timerfd_settime(timerFD, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    private func control(_ op: Int32, _ fd: Int32, _ events: UInt32, data: UInt64) throws(SystemError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = data
        guard epoll_ctl(epollFD, op, fd, &event) == 0 else { throw SystemError("epoll_ctl") }
    }
}
