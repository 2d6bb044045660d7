import EventLoop

/// dr mode's check: the probe through the DR path and, to tell `dr_path` from a dead server when it fails, the same
/// request to the RIP.
public struct DRPathCheck: Equatable, Sendable {
    public var viaVIP: NetworkCheck
    public var atRIP: NetworkCheck?

    public init(_ viaVIP: NetworkCheck, atRIP: NetworkCheck? = nil) {
        self.viaVIP = viaVIP
        self.atRIP = atRIP
    }
}

/// Runs a `DRPathCheck` as one probe whose verdict lands within the DR probe's timeout, as a RIP-mode probe's does.
///
/// The RIP probe starts when the DR probe fails or has not answered within a quarter of its timeout (a healthy
/// server answers sooner, so it costs no second probe), with what is left of the DR probe's deadline as its
/// timeout. The verdict comes when the DR probe passes, or once both have ended: `judge` turns a failed DR probe
/// and the RIP probe into the result.
public final class DRPathRunner<Clock: ScheduleClock, Engine: ProbeRunner>: ProbeRunner
where Engine.Check == NetworkCheck {
    public typealias Judge = (_ check: DRPathCheck, _ dr: ProbeResult, _ rip: ProbeResult, _ started: Monotonic) ->
        ProbeResult

    /// One check in flight.
    public final class Probe {
        let check: DRPathCheck
        let started: Monotonic
        let completion: (ProbeResult) -> Void
        var viaVIP: Engine.Probe?
        var atRIP: Engine.Probe?
        var timer: Clock.Timer?
        var dr: ProbeResult?
        var rip: ProbeResult?
        /// The RIP probe was started (or could not be).
        var ripAsked = false

        init(check: DRPathCheck, started: Monotonic, completion: @escaping (ProbeResult) -> Void) {
            self.check = check
            self.started = started
            self.completion = completion
        }
    }

    private let clock: Clock
    private let engine: Engine
    private let judge: Judge

    public init(clock: Clock, engine: Engine, judge: @escaping Judge) {
        self.clock = clock
        self.engine = engine
        self.judge = judge
    }

    public func start(_ check: DRPathCheck, completion: @escaping (ProbeResult) -> Void) throws(ProbeSetupError)
        -> Probe
    {
        let probe = Probe(check: check, started: clock.now(), completion: completion)
        probe.viaVIP = try engine.start(check.viaVIP) { [weak self] in self?.drEnded(probe, $0) }
        if check.atRIP != nil {
            probe.timer = clock.schedule(at: probe.started + check.viaVIP.timeout / 4) { [weak self] in
                probe.timer = nil
                self?.askRIP(probe)
            }
        }
        return probe
    }

    public func cancel(_ probe: Probe) {
        if let timer = probe.timer { clock.cancel(timer) }
        probe.timer = nil
        if let viaVIP = probe.viaVIP { engine.cancel(viaVIP) }
        if let atRIP = probe.atRIP { engine.cancel(atRIP) }
        probe.viaVIP = nil
        probe.atRIP = nil
    }

    private func drEnded(_ probe: Probe, _ result: ProbeResult) {
        probe.viaVIP = nil
        probe.dr = result
        guard !result.isOK, probe.check.atRIP != nil else { return finish(probe, result) }
        askRIP(probe)
        conclude(probe)
    }

    /// Starts the RIP probe, once, with what is left of the DR probe's deadline.
    private func askRIP(_ probe: Probe) {
        guard !probe.ripAsked, var check = probe.check.atRIP else { return }
        probe.ripAsked = true
        if let timer = probe.timer { clock.cancel(timer) }
        probe.timer = nil
        check.timeout = probe.started + probe.check.viaVIP.timeout - clock.now()
        // Nothing left (a DR probe that failed at its deadline): the DR probe's class stands.
        guard check.timeout >= .milliseconds(1) else { return }
        do {
            probe.atRIP = try engine.start(check) { [weak self] in
                probe.atRIP = nil
                probe.rip = $0
                self?.conclude(probe)
            }
        } catch {
            // The RIP probe could not be made: the DR probe's class stands.
        }
    }

    /// The verdict once the DR probe has failed and the RIP probe, if one runs, has ended.
    private func conclude(_ probe: Probe) {
        guard let dr = probe.dr, probe.atRIP == nil else { return }
        finish(probe, probe.rip.map { judge(probe.check, dr, $0, probe.started) } ?? dr)
    }

    private func finish(_ probe: Probe, _ result: ProbeResult) {
        cancel(probe)
        probe.completion(result)
    }
}
