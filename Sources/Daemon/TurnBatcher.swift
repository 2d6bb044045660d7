import Agent
import EventLoop
import Primitives

/// Gathers the decision core's events into turns. The events of one loop turn are decided, and their weight changes
/// applied, together, once the loop's current work is done. Turns come at most every `spacing`: under a burst of
/// results (hundreds of servers failing at once) the state file is written and the log summarised a few times a
/// second, not once per loop turn. A turn also comes at the time the core asked to be woken (`wake(at:)`).
final class TurnBatcher {
    private let loop: EventLoop
    /// Where the core's time (`AgentTime`) starts on the loop's clock.
    private let origin: Monotonic
    private let spacing: Duration
    /// Runs a turn with its events (none for a wake-up with nothing queued).
    var onTurn: ([AgentEvent]) -> Void = { _ in }
    private var pending: [AgentEvent] = []
    private var scheduled = false
    private var lastTurn: Monotonic?
    private var wakeUp: (at: AgentTime, timer: EventLoop.TimerID)?

    init(loop: EventLoop, origin: Monotonic, spacing: Duration = .milliseconds(100)) {
        self.loop = loop
        self.origin = origin
        self.spacing = spacing
    }

    /// Queues `event` for the next turn, scheduling that turn if none is.
    func enqueue(_ event: AgentEvent) {
        pending.append(event)
        guard !scheduled else { return }
        scheduled = true
        if let lastTurn, loop.now() < lastTurn + spacing {
            loop.schedule(at: lastTurn + spacing) { [weak self] in self?.turn() }
        } else {
            loop.soon { [weak self] in self?.turn() }
        }
    }

    /// A turn at `time` (the core's time), unless one is due to wake it sooner.
    func wake(at time: AgentTime) {
        if let wakeUp, wakeUp.at <= time { return }
        if let wakeUp { loop.cancel(wakeUp.timer) }
        let timer = loop.schedule(at: origin + time) { [weak self] in
            self?.wakeUp = nil
            self?.turn()
        }
        wakeUp = (time, timer)
    }

    private func turn() {
        scheduled = false
        lastTurn = loop.now()
        let events = pending
        pending.removeAll()
        onTurn(events)
    }
}
