import Agent
import FoundationEssentials
import IPVS
import Storage

/// The steps the daemon and `--once` share before they probe: config, IPVS, state lock.
enum StartupSteps {
    static func loadConfig(_ options: DaemonOptions) throws(StartupError) -> LoadedConfig {
        do {
            var loaded = try ConfigLoader.load(path: options.configPath)
            if let listen = options.listen { loaded.config.listen = listen }
            if let state = options.statePath { loaded.config.stateFile = state }
            return loaded
        } catch {
            throw .config(error.description)
        }
    }

    static func connectIPVS() throws(StartupError) -> IPVSClient {
        do {
            return try IPVSClient()
        } catch {
            throw .ipvs(error.description)
        }
    }

    /// Takes the state lock, creating the state folder if needed; `.heldBy` when another drcheck acts.
    static func lockState(_ path: String) throws(StartupError) -> StateLock.Outcome {
        let folder = StateFile.folder(of: path)
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        do {
            return try StateLock.acquire(forState: path)
        } catch {
            throw .runtime(error.description)
        }
    }
}
