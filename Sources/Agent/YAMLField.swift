/// A YAML node with its key path and file, so every conversion error names file, line and key.
struct YAMLField {
    let node: YAMLNode
    let key: String
    let file: String

    var line: Int? { node.line }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, key: key, message: message)
    }

    /// The value as a plain scalar string; collections are an error.
    func scalar() throws(ConfigError) -> String {
        guard let text = node.text else { throw error("must be a single value") }
        return text
    }

    func string() throws(ConfigError) -> String {
        let text = try scalar()
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let text = try scalar()
        // YAML 1.1 reads `1:30` as base 60; no count here is written so.
        guard !text.contains(":"), let value = node.int else {
            throw error("must be a whole number (got \(ConfigError.quoted(text)))")
        }
        guard value >= range.lowerBound else { throw error("must be at least \(range.lowerBound) (got \(value))") }
        guard value <= range.upperBound else { throw error("must be at most \(range.upperBound) (got \(value))") }
        return value
    }

    func bool() throws(ConfigError) -> Bool {
        let text = try scalar()
        guard let value = node.bool else { throw error("must be true or false (got \(ConfigError.quoted(text)))") }
        return value
    }

    func duration() throws(ConfigError) -> Duration {
        let text = try scalar()
        do {
            return try PrometheusDuration.parse(text)
        } catch {
            throw self.error(error.description)
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) throws(ConfigError) -> T
    where T.RawValue == String {
        try choice(type, named: \.rawValue)
    }

    /// The case whose name is the value.
    func choice<T: CaseIterable>(_: T.Type, named name: (T) -> String) throws(ConfigError) -> T {
        try choice(among: Array(T.allCases), named: name)
    }

    /// The one of `cases` whose name is the value.
    func choice<T>(among cases: [T], named name: (T) -> String) throws(ConfigError) -> T {
        let text = try scalar()
        guard let value = cases.first(where: { name($0) == text }) else {
            throw error("must be one of \(cases.map(name).joined(separator: ", ")) (got \(ConfigError.quoted(text)))")
        }
        return value
    }

    /// The entries of a mapping, rejecting keys not in `known`.
    func mapping(known: [String]) throws(ConfigError) -> YAMLMapping {
        guard case .mapping(let mapping) = node.content else { throw error("must be a mapping of keys to values") }
        var fields: [String: YAMLField] = [:]
        for (keyNode, value) in mapping {
            let name = keyNode.text ?? ""
            let path = key.isEmpty ? name : "\(key).\(name)"
            guard known.contains(name) else {
                throw ConfigError(
                    file: file, line: keyNode.line, key: path,
                    message: "unknown key (known here: \(known.joined(separator: ", ")))")
            }
            fields[name] = YAMLField(node: value, key: path, file: file)
        }
        return YAMLMapping(owner: self, fields: fields)
    }

    /// The entries of a mapping whose keys are the writer's own (header names), in the order written.
    func entries() throws(ConfigError) -> [(name: String, value: YAMLField)] {
        guard case .mapping(let mapping) = node.content else { throw error("must be a mapping of keys to values") }
        return mapping.map { keyNode, value in
            let name = keyNode.text ?? ""
            return (name, YAMLField(node: value, key: key.isEmpty ? name : "\(key).\(name)", file: file))
        }
    }

    /// The items of a sequence, keyed `key[i]`.
    func sequence() throws(ConfigError) -> [YAMLField] {
        guard case .sequence(let sequence) = node.content else { throw error("must be a list") }
        return sequence.enumerated().map { YAMLField(node: $1, key: "\(key)[\($0)]", file: file) }
    }
}

struct YAMLMapping {
    let owner: YAMLField
    let fields: [String: YAMLField]

    subscript(_ name: String) -> YAMLField? { fields[name] }
}
