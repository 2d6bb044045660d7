/// A keepalived script (`misc_path`, `notify_up`) as drcheck's argv: split at unquoted blanks, `'` and `"` grouping
/// as keepalived's script parser does; a command that needs a shell (pipes, redirections, variables, globs) runs as
/// `/bin/sh -c COMMAND`, as keepalived's system() once ran every script.
struct ScriptCommand: Equatable {
    let argv: [String]
    /// The argv runs the command through /bin/sh, because of the shell syntax it holds.
    let throughShell: Bool

    static let shellCharacters: Set<Character> = ["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "~"]

    init(_ line: String) {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var shell = false
        for char in line {
            if let open = quote {
                if char == open { quote = nil } else { word.append(char) }
            } else if char == " " || char == "\t" {
                if inWord { words.append(word) }
                (word, inWord) = ("", false)
            } else if char == "'" || char == "\"" {
                (quote, inWord) = (char, true)
            } else {
                if Self.shellCharacters.contains(char) || char == "\\" { shell = true }
                word.append(char)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        throughShell = shell
        argv = shell ? ["/bin/sh", "-c", line] : words
    }

    /// The argv with `address` (the real server's, as keepalived's script names it) written as `${DRCHECK_RIP}`
    /// and an argument that is just `port` as `${DRCHECK_RPORT}`, so that one command serves every real server.
    func naming(address: String, port: UInt16?) -> [String] {
        argv.enumerated().map { index, argument in
            if index == 0 { return argument }
            if let port, argument == String(port) { return "${DRCHECK_RPORT}" }
            return Self.replacing(address, in: argument, with: "${DRCHECK_RIP}")
        }
    }

    /// `text` with each `address` in it replaced, where it is not part of a longer address (10.0.0.1 in 10.0.0.10).
    static func replacing(_ address: String, in text: String, with replacement: String) -> String {
        let addressCharacter: (Character) -> Bool = { $0.isHexDigit || $0 == "." }
        var result = ""
        var rest = text[...]
        while let range = rest.firstRange(of: address) {
            let before = range.lowerBound > rest.startIndex ? rest[rest.index(before: range.lowerBound)] : nil
            let after = range.upperBound < rest.endIndex ? rest[range.upperBound] : nil
            let whole = !(before.map(addressCharacter) ?? false) && !(after.map(addressCharacter) ?? false)
            result += rest[..<range.lowerBound] + (whole ? replacement : address)
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
