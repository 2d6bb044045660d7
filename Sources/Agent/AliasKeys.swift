// libyaml as Yams builds it: not a product Package.swift can name, but on the module path as Yams' dependency.
internal import CYaml

/// Finds a mapping key that is or holds an alias before Yams composes the document: Yams hashes every key to find
/// duplicates, and an alias of aliases can stand for a billion nodes, hours of hashing on a reload. libyaml's events
/// show aliases unexpanded. drcheck's keys are plain names, so no valid config has such a key.
enum AliasKeys {
    /// The line of the first such key in the first document; nil when there is none or the text is not YAML (then
    /// Yams says why).
    static func firstLine(in yaml: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return Array(yaml.utf8).withUnsafeBufferPointer { bytes in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            // Per open collection: whether it lies in a key, and for a mapping whether its next node is a key.
            var open: [(inKey: Bool, nextIsKey: Bool?)] = []
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let inKey = open.last.map { $0.inKey || $0.nextIsKey == true } ?? false
                switch event.type {
                case YAML_ALIAS_EVENT where inKey:
                    return Int(event.start_mark.line) + 1
                case YAML_SEQUENCE_START_EVENT:
                    open.append((inKey, nil))
                    continue
                case YAML_MAPPING_START_EVENT:
                    open.append((inKey, true))
                    continue
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    open.removeLast()
                case YAML_SCALAR_EVENT, YAML_ALIAS_EVENT:
                    break
                case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT:
                    return nil
                default:
                    continue
                }
                // A node ended; in a mapping, keys and values take turns.
                if let next = open.last?.nextIsKey { open[open.count - 1].nextIsKey = !next }
            }
        }
    }
}
