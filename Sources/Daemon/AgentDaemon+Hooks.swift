import Agent
import Exporter
import FoundationEssentials

extension AgentDaemon {
    /// Runs the change hook of `event`'s service (else the defaults'), if any; nothing in dry run.
    func fireHook(_ event: HookEvent?) {
        guard let event, !options.dryRun else { return }
        let check = event.service.flatMap { running.config.check(for: $0) } ?? running.config.defaults
        guard !check.onChange.isEmpty else { return }
        var environment: [String: String] = [:]
        var subject = "the director"
        if let service = event.service {
            let label = serviceLabel(service)
            environment = TargetBuilder.variables(
                service, server: event.server?.address, label: label, port: event.server?.port)
            subject = event.server.map { "\(label) \($0)" } ?? label
        }
        for (variable, value) in event.values { environment[variable.rawValue] = value }
        environment[HookVariable.event.rawValue] = event.name
        environment[HookVariable.message.rawValue] = "\(subject): \(event.name)"
        environment[HookVariable.time.rawValue] = String(Date().timeIntervalSince1970)
        hooks.run(
            HookRunner.Job(
                argv: check.onChange.map { CommandVariable.expand($0, environment) }, environment: environment,
                label: "\(event.name) of \(subject)"))
    }

    /// A hook's end: counted, and logged unless it passed.
    func hookEnded(_ result: HookResult, _ job: HookRunner.Job, _ detail: String) {
        metrics.recordHook(result)
        guard result != .ok else { return }
        log.warning("change hook for \(job.label): \(result.rawValue)\(detail.isEmpty ? "" : ": \(detail)")")
    }
}
