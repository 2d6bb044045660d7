import EventLoop

extension EventLoop {
    /// Runs `work(0..<count)` in order, yielding to the loop after each `slice` of time so that timers due meanwhile
    /// (probes) run first; then calls `done`, on the loop. Long renderings use it to stay out of the probes' way.
    func runInSlices(count: Int, slice: Duration, _ work: @escaping (Int) -> Void, done: @escaping () -> Void) {
        var next = 0
        func step() {
            // The clock itself: `now()` is the turn's start, and a slice is measured within the turn.
            let end = Monotonic.now() + slice
            while next < count {
                work(next)
                next += 1
                if Monotonic.now() >= end && next < count {
                    schedule(after: .zero, step)
                    return
                }
            }
            done()
        }
        step()
    }
}
