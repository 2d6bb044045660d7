import Foundation

/// Where the effective configuration came from.
public enum ConfigSource: Hashable, Sendable {
    case file(String)
    /// The default file does not exist: zero-config discovery.
    case zeroConfig(missing: String)
}

public struct LoadedConfig: Hashable, Sendable {
    public var config: Config
    public var source: ConfigSource
}

public enum ConfigLoader {
    /// Loads `path`, or `defaultPath` when nil; only a missing *default* file means zero-config.
    public static func load(path: String?, defaultPath: String = Config.defaultPath) throws(ConfigError)
        -> LoadedConfig
    {
        let file = path ?? defaultPath
        if path == nil, !FileManager.default.fileExists(atPath: file) {
            return LoadedConfig(config: .zeroConfig, source: .zeroConfig(missing: file))
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "cannot read: \(readProblem(error))")
        }
        guard let yaml = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: file, line: nil, key: "", message: "not UTF-8 text")
        }
        return LoadedConfig(config: try ConfigParser.parse(yaml: yaml, file: file), source: .file(file))
    }

    static func readProblem(_ error: any Error) -> String {
        let code = (error as NSError).code
        if code == NSFileReadNoSuchFileError { return "no such file" }
        if code == NSFileReadNoPermissionError { return "permission denied" }
        return (error as NSError).localizedDescription
    }
}
