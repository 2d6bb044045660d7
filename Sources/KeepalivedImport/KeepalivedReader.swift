import Agent
import Glibc

/// Reads a keepalived configuration into lines of tokens as keepalived's reader does: an `include`d file's lines
/// where the include stands, `@ID` lines only for the selected config id, `$NAME=value` definitions substituted.
struct KeepalivedReader {
    /// keepalived's `-i`: lines written `@ID` are kept only for it, `@^ID` for any other.
    let configID: String?
    private(set) var lines: [KeepalivedLine] = []
    private(set) var warnings: [ImportWarning] = []
    private var variables: [String: String] = [:]
    /// The real paths of the files being read, innermost last: an include of one of them is a loop.
    private var reading: [String] = []

    static let includeKeywords: Set = ["include", "includer", "includem", "includew", "includeb", "includea"]
    static let includeDepthLimit = 16

    init(configID: String?) { self.configID = configID }

    /// Reads `path`; `place` is the include naming it (nil for the top file).
    mutating func read(_ path: String, includedAt place: SourcePlace? = nil) throws(ImportError) {
        let text = try Self.text(of: path, includedAt: place)
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
            let name = code[code.index(after: code.startIndex)..<equals]
            if Self.isName(name) {
                variables[String(name)] = String(code[code.index(after: equals)...]).trimmingBlanks
                return
            }
        }
        let tokens = KeepalivedLexer.tokens(substituted(code, at: place)[...])
        guard let first = tokens.first else { return }
        if first.kind == .word, Self.includeKeywords.contains(first.text) {
            for pattern in tokens.dropFirst() { try include(pattern.text, at: place, directory: directory) }
        } else {
            lines.append(KeepalivedLine(place: place, tokens: tokens))
        }
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

    /// `code` with every defined `$NAME` and `${NAME}` replaced by its value; an undefined one is left as written.
    private mutating func substituted(_ code: Substring, at place: SourcePlace) -> String {
        guard code.contains("$") else { return String(code) }
        var result = ""
        var rest = code
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            var after = rest[rest.index(after: dollar)...]
            let braced = after.hasPrefix("{")
            if braced { after = after.dropFirst() }
            let name = after.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            let closed = !braced || after.dropFirst(name.count).hasPrefix("}")
            guard Self.isName(name), closed else {
                result += "$"
                rest = rest[rest.index(after: dollar)...]
                continue
            }
            let end = after.index(name.endIndex, offsetBy: braced ? 1 : 0)
            if let value = variables[String(name)] {
                result += value
            } else {
                warn(place, "$\(name) is not defined before this line: left as written")
                result += rest[dollar..<end]
            }
            rest = rest[end...]
        }
        return result + rest
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
