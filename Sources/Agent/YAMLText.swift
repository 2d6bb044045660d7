/// YAML written in block style, two spaces an indent, a list's items at its key's indent (as Yams wrote them).
indirect enum YAMLText {
    /// Written plain when it reads back as the same text, else (and always when `quoted`) in double quotes.
    case scalar(String, quoted: Bool = false)
    case list([YAMLText])
    case map([(String, YAMLText)])

    var document: String { lines(indent: 0) }

    private func lines(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let pairs) where inline == nil:
            return pairs.map { key, value in
                switch (value.inline, value) {
                case (let inline?, _): pad + key + ": " + inline + "\n"
                case (nil, .list): pad + key + ":\n" + value.lines(indent: indent)
                case (nil, _): pad + key + ":\n" + value.lines(indent: indent + 2)
                }
            }.joined()
        case .list(let items) where inline == nil:
            // An item's first line follows its dash; the rest keep the indent after it.
            return items.map { pad + "- " + $0.lines(indent: indent + 2).dropFirst(indent + 2) }.joined()
        default:
            return pad + (inline ?? "") + "\n"
        }
    }

    /// A scalar or an empty collection, on the line of its key or dash; nil for the others.
    private var inline: String? {
        switch self {
        case .scalar(let text, let quoted): quoted || !Self.readsBackPlain(text) ? YAMLQuoting.doubleQuoted(text) : text
        case .list(let items): items.isEmpty ? "[]" : nil
        case .map(let pairs): pairs.isEmpty ? "{}" : nil
        }
    }

    /// Letters, digits and a few marks that start nothing in YAML; a colon that ends it would start a mapping.
    private static func readsBackPlain(_ text: String) -> Bool {
        let first = "/_."
        let later = "/_.-+@=~:"
        guard let head = text.unicodeScalars.first, !text.hasSuffix(":") else { return false }
        func plain(_ scalar: Unicode.Scalar, _ marks: String) -> Bool {
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || marks.unicodeScalars.contains(scalar))
        }
        return plain(head, first) && text.unicodeScalars.dropFirst().allSatisfy { plain($0, later) }
    }
}
