import Agent

extension AgentDaemon {
    /// Shadow mode (`--dry-run`): the reconciler's verdicts against the kernel's weights, for `ShadowMode`. Servers
    /// drained by an operator are left out: their weight 0 is no disagreement.
    func compareShadow() {
        guard options.dryRun else { return }
        var views: [ServerID: ShadowComparison.View] = [:]
        for status in reconciler.statuses where reconciler.state.servers[status.id]?.maintenance == nil {
            guard let destination = snapshot.destination(status.id) else { continue }
            views[status.id] = ShadowComparison.View(up: status.up, weight: Int(destination.weight))
        }
        shadow.compare(
            views, at: now(), config: running.config, lastProbe: verdicts.lastProbe, targets: targets)
    }
}
