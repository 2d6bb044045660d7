import Testing

@testable import Agent
@testable import Daemon

@Suite struct RunningConfigTests {
    static func loaded(_ path: String, _ change: (inout Config) -> Void = { _ in }) -> LoadedConfig {
        var config = Config()
        change(&config)
        return LoadedConfig(config: config, source: .file(path))
    }

    @Test func aReloadRunsTheNewConfigButKeepsWhatChangesOnlyAtTheNextStart() {
        let running = RunningConfig(Self.loaded("/etc/drcheck/a.yaml"), at: 100)
        let fresh = Self.loaded("/etc/drcheck/b.yaml") {
            $0.listen = "127.0.0.1:9470"
            $0.stateFile = "/var/lib/drcheck/other.json"
            $0.logFormat = .json
            $0.probeMarks = 0x100...0x1FF
            $0.maxProbesInFlight = 64
        }
        #expect(
            running.take(fresh, at: 200) == [
                "reload: listen changes from 127.0.0.1:9469 to 127.0.0.1:9470 only at the next start",
                "reload: state_file changes from /var/lib/drcheck/state.json to /var/lib/drcheck/other.json only at "
                    + "the next start",
                "reload: log_format changes from auto to json only at the next start",
                "reload: probe_marks changes only at the next start",
            ])
        #expect(running.config.maxProbesInFlight == 64)
        #expect(running.config.listen == "127.0.0.1:9469")
        #expect(running.config.stateFile == "/var/lib/drcheck/state.json")
        #expect(running.config.logFormat == .auto)
        #expect(running.config.probeMarks == Config().probeMarks)
        #expect(running.loaded.source == .file("/etc/drcheck/b.yaml"))
        #expect(running.loadedAt == 200)
        #expect(running.lastReloadSucceeded)
    }

    @Test func aRefusedReloadLeavesTheRunningConfigUntilOneTakes() {
        let running = RunningConfig(Self.loaded("/etc/drcheck/a.yaml") { $0.maxProbesInFlight = 8 }, at: 100)
        running.refuse()
        #expect(!running.lastReloadSucceeded)
        #expect(running.loadedAt == 100)
        #expect(running.config.maxProbesInFlight == 8)
        #expect(running.take(Self.loaded("/etc/drcheck/a.yaml"), at: 300).isEmpty)
        #expect(running.lastReloadSucceeded)
        #expect(running.loadedAt == 300)
        #expect(running.config.maxProbesInFlight == Config().maxProbesInFlight)
    }
}
