import Agent
import Exporter

extension AgentDaemon {
    /// Shadow mode (`--dry-run`): compares drcheck's verdicts with the weights in the kernel, which another checker
    /// keeps there, at each discovery pass; logs each disagreement that lasts and its end, and exports them.
    func compareShadow() {
        guard options.dryRun else { return }
        var views: [ServerID: ShadowComparison.View] = [:]
        for status in reconciler.statuses where reconciler.state.servers[status.id]?.maintenance == nil {
            guard let destination = snapshot.destination(status.id) else { continue }
            views[status.id] = ShadowComparison.View(up: status.up, weight: Int(destination.weight))
        }
        let (began, ended) = shadow.compare(views, at: now())
        for disagreement in began {
            log.warning("shadow: \(describe(disagreement))", metadata: serviceMetadata(disagreement.id.service))
        }
        for id in ended {
            log.notice(
                "shadow: \(serviceLabel(id.service)) \(id.server): drcheck and the kernel agree again",
                metadata: serviceMetadata(id.service))
        }
        guard !began.isEmpty || !ended.isEmpty else { return }
        metrics.setShadowDisagreements(
            Set(
                shadow.reported.values.compactMap { disagreement in
                    targets[disagreement.id].map {
                        ShadowLabels(server: $0.labels, drcheck: disagreement.view.up ? "up" : "down")
                    }
                }))
    }

    /// The disagreement in words, with the service's label and drcheck's last probe.
    func describe(_ disagreement: ShadowComparison.Disagreement) -> String {
        let id = disagreement.id
        let probe = verdicts.lastProbe[id].map { " (last probe: \($0.result.probeClass.rawValue))" } ?? ""
        let verdict =
            disagreement.view.up
            ? "drcheck finds it up\(probe), the kernel has it at weight 0"
            : "drcheck finds it down\(probe), the kernel has it at weight \(disagreement.view.weight)"
        return "\(serviceLabel(id.service)) \(id.server): \(verdict)"
    }
}
