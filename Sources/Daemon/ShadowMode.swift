import Agent
import Exporter
import Logging

/// Shadow mode (`--dry-run` beside another checker): drcheck's verdicts against the weights in the kernel, which the
/// other checker keeps there, compared at each discovery pass; each disagreement that lasts is logged, with its end,
/// and exported.
final class ShadowMode {
    private let log: Logger
    private let metrics: DrcheckMetrics
    private var comparison = ShadowComparison()

    init(log: Logger, metrics: DrcheckMetrics) {
        self.log = log
        self.metrics = metrics
    }

    /// Compares each server's view now. `config` names the services, `lastProbe` and `targets` complete the words
    /// and the series of a disagreement.
    func compare(
        _ views: [ServerID: ShadowComparison.View], at now: AgentTime, config: Config,
        lastProbe: [ServerID: VerdictPipeline.LastProbe], targets: TargetSet
    ) {
        let (began, ended) = comparison.compare(views, at: now)
        for disagreement in began {
            log.warning(
                "shadow: \(Self.describe(disagreement, config: config, lastProbe: lastProbe))",
                metadata: config.serviceMetadata(disagreement.id.service))
        }
        for id in ended {
            log.notice(
                "shadow: \(config.label(of: id.service)) \(id.server): drcheck and the kernel agree again",
                metadata: config.serviceMetadata(id.service))
        }
        guard !began.isEmpty || !ended.isEmpty else { return }
        metrics.setShadowDisagreements(
            Set(
                comparison.reported.values.compactMap { disagreement in
                    targets[disagreement.id].map {
                        ShadowLabels(server: $0.labels, drcheck: disagreement.view.up ? "up" : "down")
                    }
                }))
    }

    /// The disagreements reported, in words, by server (for /status).
    func reported(config: Config, lastProbe: [ServerID: VerdictPipeline.LastProbe]) -> [String] {
        comparison.reported.values.sorted { $0.id < $1.id }.map {
            Self.describe($0, config: config, lastProbe: lastProbe)
        }
    }

    /// The disagreement in words, with the service's label and drcheck's last probe.
    private static func describe(
        _ disagreement: ShadowComparison.Disagreement, config: Config,
        lastProbe: [ServerID: VerdictPipeline.LastProbe]
    ) -> String {
        let id = disagreement.id
        let probe = lastProbe[id].map { " (last probe: \($0.result.probeClass.rawValue))" } ?? ""
        let verdict =
            disagreement.view.up
            ? "drcheck finds it up\(probe), the kernel has it at weight 0"
            : "drcheck finds it down\(probe), the kernel has it at weight \(disagreement.view.weight)"
        return "\(config.label(of: id.service)) \(id.server): \(verdict)"
    }
}
