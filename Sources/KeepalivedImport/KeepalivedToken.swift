/// One word of a keepalived line, quotes removed (`"a b"` is the word `a b`), or a brace.
struct KeepalivedToken: Hashable {
    enum Kind: Hashable { case word, open, close }

    let kind: Kind
    let text: String
}

/// A line's tokens with the place it was read from.
struct KeepalivedLine {
    let place: SourcePlace
    let tokens: [KeepalivedToken]
}
