import EventLoop

/// The clock and timers the scheduler runs on: the event loop in the agent, a fake clock in tests.
public protocol ScheduleClock: AnyObject {
    associatedtype Timer
    func now() -> Monotonic
    func schedule(at deadline: Monotonic, _ action: @escaping () -> Void) -> Timer
    func cancel(_ timer: Timer)
}

extension EventLoop: ScheduleClock {}

/// What starts probes for the scheduler: the libcurl engine or the command runner in the agent, a fake in tests.
public protocol ProbeRunner: AnyObject {
    associatedtype Check
    associatedtype Probe
    func start(_ check: Check, completion: @escaping (ProbeResult) -> Void) throws(ProbeSetupError) -> Probe
    func cancel(_ probe: Probe)
}

extension ProbeEngine: ProbeRunner {}
