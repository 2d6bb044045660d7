import Agent
import Glibc

/// Reads a keepalived configuration into lines of tokens as keepalived's reader does: an `include`d file's lines
/// where the include stands, `@ID` lines only for the selected config id, `$NAME=value` definitions (multiline ones
/// and keepalived's pre-defined ones too) substituted.
struct KeepalivedReader {
    /// keepalived's `-i`: lines written `@ID` are kept only for it, `@^ID` for any other.
    let configID: String?
    private(set) var lines: [KeepalivedLine] = []
    private(set) var warnings: [ImportWarning] = []
    private var definitions: KeepalivedDefinitions
    /// A multiline definition being read: its name and its lines so far.
    private var collecting: (name: String, lines: [String])?
    /// The real paths of the files being read, innermost last: an include of one of them is a loop.
    private var reading: [String] = []
    private var bytesRead = 0

    static let includeKeywords: Set = ["include", "includer", "includem", "includew", "includeb", "includea"]
    static let includeDepthLimit = 16
    /// Multiline definitions expanded within one another, and substitutions on one line, before the reader calls it
    /// a definition that never ends.
    static let expansionDepthLimit = 64
    static let expansionLimit = 10_000

    init(configID: String?) {
        self.configID = configID
        definitions = KeepalivedDefinitions(configID: configID)
    }

    /// Reads `path`; `place` is the include naming it (nil for the top file).
    mutating func read(_ path: String, includedAt place: SourcePlace? = nil) throws(ImportError) {
        let text = try Self.text(of: path, includedAt: place)
        // Each file is at most ConfigFile's limit; the includes together are held to it too.
        bytesRead += text.utf8.count
        guard bytesRead <= ConfigFile.sizeLimit else {
            let message = "the configuration with its includes is larger than \(ConfigFile.sizeLimit) bytes"
            throw place.map { ImportError($0, message) } ?? ImportError(file: path, message)
        }
        let real = realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
        if let place, reading.contains(real ?? path) {
            throw ImportError(place, "include of \(path) makes a loop (it is already being read)")
        }
        if let place, reading.count >= Self.includeDepthLimit {
            throw ImportError(place, "includes nested deeper than \(Self.includeDepthLimit) files")
        }
        reading.append(real ?? path)
        defer { reading.removeLast() }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            try readLine(raw, at: SourcePlace(file: path, line: index + 1), directory: directory)
        }
        if place == nil { finishCollecting() }
    }

    private static func text(of path: String, includedAt place: SourcePlace?) throws(ImportError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(path)
        } catch {
            let message = "cannot read \(path): \(error)"
            throw place.map { ImportError($0, message) } ?? ImportError(file: path, "cannot read: \(error)")
        }
        if let nul = bytes.firstIndex(of: 0) {
            let line = 1 + bytes[..<nul].count { $0 == UInt8(ascii: "\n") }
            throw ImportError(SourcePlace(file: path, line: line), "not a keepalived configuration: binary data")
        }
        // A Latin-1 comment should not stop an import: what is not UTF-8 becomes U+FFFD.
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func readLine(_ raw: Substring, at place: SourcePlace, directory: String) throws(ImportError) {
        var line = raw.hasSuffix("\r") ? raw.dropLast() : raw
        line = line.drop { $0 == " " || $0 == "\t" }
        if collecting != nil {
            try collect(line, at: place)
        } else {
            try process(line, at: place, directory: directory, depth: 0)
        }
    }

    /// One line of a multiline definition being read: an empty line or one not ending in `\` is its last; a line
    /// of nothing but a comment is passed over, as keepalived does.
    private mutating func collect(_ line: Substring, at place: SourcePlace) throws(ImportError) {
        guard var open = collecting else { return }
        guard !line.isEmpty else {
            finishCollecting()
            return
        }
        guard let code = KeepalivedLexer.code(of: line) else { throw ImportError(place, "a quote is not closed") }
        var text = code.trimmingBlanks
        if text.isEmpty { return }
        let continues = text.hasSuffix("\\")
        if continues { text = String(text.dropLast()).trimmingBlanks }
        if !text.isEmpty { open.lines.append(text) }
        collecting = open
        if !continues { finishCollecting() }
    }

    private mutating func finishCollecting() {
        guard let open = collecting else { return }
        definitions.define(open.name, .lines(open.lines))
        collecting = nil
    }

    /// A line as keepalived reads it once its comment is gone: a conditional line, a definition, or words with every
    /// definition substituted (a multiline one's further lines read after it, `depth` of them nested).
    private mutating func process(
        _ text: Substring, at place: SourcePlace, directory: String, depth: Int
    ) throws(ImportError) {
        guard depth <= Self.expansionDepthLimit else {
            throw ImportError(place, "multiline definitions nested deeper than \(Self.expansionDepthLimit)")
        }
        var line = text.drop { $0 == " " || $0 == "\t" }
        if line.hasPrefix("@") {
            let word = line.prefix { $0 != " " && $0 != "\t" }.dropFirst()
            let id = word.hasPrefix("^") ? word.dropFirst() : word
            let selected = word.hasPrefix("^") ? configID != String(id) : configID == String(id)
            line = line.dropFirst(word.count + 1)
            guard selected else {
                if !line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    let who = word.hasPrefix("^") ? "every config id but \(id)" : "config id \(id)"
                    warn(place, "line skipped: written for \(who) (keepalived -i; select with --config-id)")
                }
                return
            }
        }
        guard let code = KeepalivedLexer.code(of: line) else { throw ImportError(place, "a quote is not closed") }
        if code.hasPrefix("$"), let equals = code.firstIndex(of: "=") {
            let name = code[code.index(after: code.startIndex)..<equals].trimmingBlanks
            if Self.isName(name[...]) {
                var value = String(code[code.index(after: equals)...]).trimmingBlanks
                if value.hasSuffix("\\") {
                    value = String(value.dropLast()).trimmingBlanks
                    collecting = (name, value.isEmpty ? [] : [value])
                } else {
                    definitions.define(name, .line(value))
                }
                return
            }
        }
        let (expanded, following) = try substituted(code, at: place, directory: directory)
        // What a substitution brought in is read again: a `#` from ${_HASH} starts a comment, an `@ID` a condition.
        if expanded.hasPrefix("@") {
            try process(expanded[...], at: place, directory: directory, depth: depth + 1)
        } else {
            guard let words = KeepalivedLexer.code(of: expanded[...]) else {
                throw ImportError(place, "a quote is not closed")
            }
            let tokens = KeepalivedLexer.tokens(words)
            if let first = tokens.first, first.kind == .word, Self.includeKeywords.contains(first.text) {
                for pattern in tokens.dropFirst() { try include(pattern.text, at: place, directory: directory) }
            } else if !tokens.isEmpty {
                lines.append(KeepalivedLine(place: place, tokens: tokens))
            }
        }
        for next in following { try process(next[...], at: place, directory: directory, depth: depth + 1) }
    }

    /// Every file `pattern` matches, in name order, relative to the including file's directory.
    private mutating func include(_ pattern: String, at place: SourcePlace, directory: String) throws(ImportError) {
        let full = pattern.hasPrefix("/") ? pattern : "\(directory)/\(pattern)"
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(full, GLOB_BRACE, nil, &matches) == 0 else {
            warn(place, "include \(pattern): no file matches \(full)")
            return
        }
        let paths = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
        for path in paths { try read(path, includedAt: place) }
    }

    /// `code` with every defined `$NAME`, `${NAME}` and `${NAME PARAMS}` replaced by its value and the result read
    /// again from the same place, as keepalived does (a value may name another definition); a multiline value gives
    /// its first line here and its others as `following`. An undefined name is left as written; undefined in braces
    /// outside quotes it is an error, since keepalived would read its braces as a block.
    private mutating func substituted(
        _ code: Substring, at place: SourcePlace, directory: String
    ) throws(ImportError) -> (String, following: [String]) {
        guard code.contains("$") else { return (String(code), []) }
        var text = Array(code)
        var following: [String] = []
        var expansions = 0
        var quote: Character?
        var index = 0
        while index < text.count {
            let char = text[index]
            if let open = quote, char == "\\" || char == open {
                if char == open { quote = nil } else { index += 1 }
                index += 1
                continue
            }
            if quote == nil, char == "\"" || char == "'" { quote = char }
            guard char == "$", let reference = Self.reference(in: text, at: index) else {
                index += 1
                continue
            }
            guard
                let expansion = definitions.expansion(
                    of: reference.name, parameters: reference.parameters, directory: directory)
            else {
                let written = String(text[index..<reference.end])
                if reference.braced, quote == nil {
                    throw ImportError(
                        place,
                        "\(written) is not defined before this line (keepalived would read its braces as a block)")
                }
                warn(place, "\(written) is not defined before this line: left as written")
                index = reference.end
                continue
            }
            expansions += 1
            guard expansions <= Self.expansionLimit else {
                throw ImportError(place, "definitions expand without end (one names itself, directly or not)")
            }
            if let note = expansion.note { warn(place, note) }
            switch expansion.value {
            case .line(let value):
                text.replaceSubrange(index..<reference.end, with: Array(value))
            case .lines(let values):
                text.replaceSubrange(index..<reference.end, with: Array(values.first ?? ""))
                following += values.dropFirst()
            }
        }
        return (String(text), following)
    }

    /// The reference starting at `text[start]` (a `$`): `$NAME`, `${NAME}` or `${NAME PARAM...}`.
    private static func reference(
        in text: [Character], at start: Int
    ) -> (name: String, parameters: [String], braced: Bool, end: Int)? {
        var index = start + 1
        let braced = index < text.count && text[index] == "{"
        if braced { index += 1 }
        let nameStart = index
        while index < text.count, text[index].isASCII,
            text[index].isLetter || text[index].isNumber || text[index] == "_"
        {
            index += 1
        }
        let name = String(text[nameStart..<index])
        guard isName(name[...]) else { return nil }
        guard braced else { return (name, [], false, index) }
        guard let close = text[index...].firstIndex(of: "}") else { return nil }
        let parameters = String(text[index..<close]).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parameters.isEmpty || text[index] == " " || text[index] == "\t" else { return nil }
        return (name, parameters, true, close + 1)
    }

    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    private mutating func warn(_ place: SourcePlace, _ message: String) {
        warnings.append(ImportWarning(place: place, message: message))
    }
}

extension StringProtocol {
    /// Without the blanks (spaces, tabs) at either end.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: blank).reversed().drop(while: blank).reversed())
    }
}
