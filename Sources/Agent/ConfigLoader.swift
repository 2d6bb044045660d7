import Glibc

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
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(file)
        } catch .system(errno: ENOENT) where path == nil {
            return LoadedConfig(config: .zeroConfig, source: .zeroConfig(missing: file))
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "cannot read: \(error)")
        }
        guard let yaml = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: file, line: lineOfFirstNonUTF8(in: bytes), key: "", message: "not UTF-8 text")
        }
        return LoadedConfig(config: try ConfigParser.parse(yaml: yaml, file: file), source: .file(file))
    }

    /// The line of the first byte that is not UTF-8 (a Latin-1 "é" in a comment, say), to say where it is.
    static func lineOfFirstNonUTF8(in bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var valid = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { valid += scalar.count }
        return 1 + bytes[..<valid].count { $0 == UInt8(ascii: "\n") }
    }
}
