import Exporter

enum StatusFixtures {
    static let document = StatusDocument(
        agent: .init(
            version: "0.1.0", pid: 4242, startedAt: 1_764_072_000, generatedAt: 1_764_072_600,
            configFile: "/etc/drcheck/drcheck.yaml", configLoadedAt: 1_764_072_000, lastReloadSucceeded: true,
            dryRun: false, ready: true),
        services: [
            .init(
                name: "web", address: "198.51.100.33:8000", protocol: "tcp", panic: false,
                realServers: [
                    .init(
                        address: "203.0.113.21:8000", state: "up", healthy: true, kernelWeight: 1, configuredWeight: 1,
                        lastResult: "ok", lastDetail: nil, latencySeconds: 0.0012, lastProbeAt: 1_764_072_599,
                        lastChangeAt: 1_764_072_010, activeConnections: 3, inactiveConnections: 7),
                    .init(
                        address: "203.0.113.22:8000", state: "down", healthy: false, kernelWeight: 0,
                        configuredWeight: 5, lastResult: "timeout", lastDetail: "no answer within 1s",
                        latencySeconds: 1.0, lastProbeAt: 1_764_072_598, lastChangeAt: 1_764_072_420),
                ])
        ])
}
