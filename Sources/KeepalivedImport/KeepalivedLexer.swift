/// Splits one line as keepalived does: words separated by blanks, `"` or `'` quoting blanks and braces (the quotes
/// removed, backslash escapes inside them), `{` and `}` words of their own, and `#` or `!` at the start of a word
/// beginning a comment that runs to the end of the line.
enum KeepalivedLexer {
    /// The line without its comment; nil when a quote is left open.
    static func code(of line: Substring) -> Substring? {
        var quote: Character?
        var atWordStart = true
        var index = line.startIndex
        while index < line.endIndex {
            let char = line[index]
            if let open = quote {
                if char == "\\" {
                    index = line.index(after: index)
                    if index == line.endIndex { break }
                } else if char == open {
                    quote = nil
                }
                atWordStart = false
            } else if char == " " || char == "\t" || char == "{" || char == "}" {
                atWordStart = true
            } else if atWordStart && (char == "#" || char == "!") {
                return line[..<index]
            } else {
                if char == "\"" || char == "'" { quote = char }
                atWordStart = false
            }
            index = line.index(after: index)
        }
        return quote == nil ? line : nil
    }

    /// The tokens of a line without comments (`code(of:)`), whose quotes are closed.
    static func tokens(_ code: Substring) -> [KeepalivedToken] {
        var tokens: [KeepalivedToken] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        func flush() {
            if inWord { tokens.append(KeepalivedToken(kind: .word, text: word)) }
            (word, inWord) = ("", false)
        }
        for char in code {
            if escaped {
                word.append(unescaped(char))
                escaped = false
            } else if let open = quote {
                if char == "\\" {
                    escaped = true
                } else if char == open {
                    quote = nil
                } else {
                    word.append(char)
                }
            } else if char == " " || char == "\t" {
                flush()
            } else if char == "{" || char == "}" {
                flush()
                tokens.append(KeepalivedToken(kind: char == "{" ? .open : .close, text: String(char)))
            } else if char == "\"" || char == "'" {
                (quote, inWord) = (char, true)
            } else {
                word.append(char)
                inWord = true
            }
        }
        flush()
        return tokens
    }

    private static func unescaped(_ char: Character) -> Character {
        switch char {
        case "n": "\n"
        case "t": "\t"
        case "r": "\r"
        default: char
        }
    }
}
