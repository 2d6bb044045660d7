internal import CYAML

/// Composes the config's one YAML document from libyaml's events, with the errors (texts and lines) drcheck gave
/// when Yams composed it: libyaml's own problem texts, then alias keys, undefined aliases, keys given twice, a
/// second document and too deep a nesting.
struct YAMLComposer {
    /// Debian's libyaml has no nesting limit (Yams' copy stops at 1000 levels); deeper is no config, so the limit
    /// and its message stay.
    static let maxDepth = 999
    static let nestingMessage = "while parsing, Maximum nesting level reached, set with yaml_set_max_nest_level())"

    /// A collection being composed; a mapping's items are its keys and values in turn.
    private struct Open {
        var line: Int
        var anchor: String?
        var isMapping: Bool
        var inKey: Bool
        var items: [YAMLNode] = []

        var nextIsKey: Bool { isMapping && items.count.isMultiple(of: 2) }
    }

    let file: String
    private var anchors: [String: YAMLNode] = [:]
    private var open: [Open] = []
    /// The first undefined alias or key given twice: Yams found a key that is an alias first, so those wait for the
    /// document's end, and yield only to a syntax error found before it.
    private var deferred: ConfigError?
    private var root: YAMLNode?

    /// The document's root; nil for a file with no document.
    static func compose(_ yaml: String, file: String) throws(ConfigError) -> YAMLNode? {
        var composer = YAMLComposer(file: file)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw composer.error(nil, "not readable as YAML: Memory error")
        }
        defer { yaml_parser_delete(&parser) }
        let result = Array(yaml.utf8).withUnsafeBufferPointer { bytes -> Result<YAMLNode?, ConfigError> in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            do throws(ConfigError) {
                return .success(try composer.run(&parser, bytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private init(file: String) { self.file = file }

    private func error(_ line: Int?, _ message: String, key: String = "") -> ConfigError {
        ConfigError(file: file, line: line, key: key, message: message)
    }

    private mutating func run(_ parser: inout yaml_parser_t, _ bytes: UnsafeBufferPointer<UInt8>) throws(ConfigError)
        -> YAMLNode?
    {
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw deferred ?? syntaxError(parser, bytes) }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_DOCUMENT_START_EVENT where documents == 1:
                throw error(line, "YAML syntax: expected a single document in the stream, but found another document")
            case YAML_DOCUMENT_START_EVENT:
                documents = 1
            case YAML_DOCUMENT_END_EVENT:
                if let deferred { throw deferred }
            case YAML_STREAM_END_EVENT:
                return root
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard open.count < Self.maxDepth else {
                    throw deferred ?? error(line, "YAML syntax: " + Self.nestingMessage)
                }
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                open.append(Open(line: line, anchor: anchor.map(Self.text), isMapping: isMapping, inKey: inKey))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let done = open.removeLast()
                let content: YAMLNode.Content
                if done.isMapping {
                    let pairs = stride(from: 0, to: done.items.count, by: 2).map {
                        (done.items[$0], done.items[$0 + 1])
                    }
                    checkDuplicates(pairs.map(\.0), line: done.line)
                    content = .mapping(pairs)
                } else {
                    content = .sequence(done.items)
                }
                add(YAMLNode(content: content, line: done.line), anchor: done.anchor)
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(
                    decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let stringTag = scalar.quoted_implicit == 1 || scalar.tag.map(Self.text) == "tag:yaml.org,2002:str"
                let content = YAMLNode.Content.scalar(
                    text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, stringTag: stringTag)
                add(YAMLNode(content: content, line: line), anchor: scalar.anchor.map(Self.text))
            case YAML_ALIAS_EVENT:
                // An alias of aliases can stand for a billion nodes; as a key it would be compared whole.
                guard !inKey else { throw error(line, "a key must be a plain name, not an alias (*name)") }
                let name = Self.text(event.data.alias.anchor)
                if anchors[name] == nil, deferred == nil {
                    deferred = error(line, "YAML syntax: found undefined alias")
                }
                add(
                    anchors[name] ?? YAMLNode(content: .scalar("", plain: true, stringTag: false), line: line),
                    anchor: nil)
            default:
                continue
            }
        }
    }

    /// Whether the next node lies in a mapping's key.
    private var inKey: Bool { open.last.map { $0.inKey || $0.nextIsKey } ?? false }

    private mutating func add(_ node: YAMLNode, anchor: String?) {
        if let anchor { anchors[anchor] = node }
        if open.isEmpty { root = node } else { open[open.count - 1].items.append(node) }
    }

    /// Keys given twice, named in order with the line of the first's first time, as Yams named them.
    private mutating func checkDuplicates(_ keys: [YAMLNode], line: Int) {
        guard deferred == nil else { return }
        var first: [String: Int] = [:]
        var twice: Set<String> = []
        for key in keys {
            guard let text = key.text else { continue }
            if first[text] == nil { first[text] = key.line } else { twice.insert(text) }
        }
        guard let name = twice.min() else { return }
        deferred = error(first[name], "key given twice", key: twice.sorted().joined(separator: ", "))
    }

    /// libyaml's own words: the problem after its context, at the problem's line.
    private func syntaxError(_ parser: yaml_parser_t, _ bytes: UnsafeBufferPointer<UInt8>) -> ConfigError {
        switch parser.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let message = [parser.context, parser.problem].compactMap { $0.map { String(cString: $0) } }
            return error(Int(parser.problem_mark.line) + 1, "YAML syntax: " + message.joined(separator: ", "))
        case YAML_READER_ERROR:
            // The reader counts bytes, not lines.
            let line = bytes.prefix(parser.problem_offset).count(where: { $0 == UInt8(ascii: "\n") }) + 1
            return error(line, "YAML syntax: " + (parser.problem.map { String(cString: $0) } ?? "unreadable"))
        default:
            return error(nil, "not readable as YAML: Memory error")
        }
    }

    private static func text(_ chars: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: UnsafeRawPointer(chars).assumingMemoryBound(to: CChar.self))
    }
}
