import Agent
import ArgumentParser

/// A duration given on the command line, as the config writes them (500ms, 2s, 1m30s): a usage error otherwise.
func durationOption(_ text: String) throws -> Duration {
    do {
        return try PrometheusDuration.parse(text)
    } catch {
        throw ValidationError("\(error)")
    }
}
