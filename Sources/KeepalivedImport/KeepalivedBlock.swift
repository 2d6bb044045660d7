/// A keepalived statement: a keyword, its arguments and, for a block (`virtual_server ... { ... }`), the statements
/// inside. A brace may stand on the keyword's line or on the next.
struct KeepalivedBlock {
    let place: SourcePlace
    let keyword: String
    let arguments: [String]
    /// Nil for a plain statement, the statements inside for a block (empty for `{}`).
    var children: [KeepalivedBlock]?

    /// The statements inside named `keyword`.
    func all(_ keyword: String) -> [KeepalivedBlock] { (children ?? []).filter { $0.keyword == keyword } }

    /// The last statement inside named `keyword` (keepalived lets a later one win).
    func last(_ keyword: String) -> KeepalivedBlock? { all(keyword).last }

    /// The first argument of the last `keyword` inside.
    func value(_ keyword: String) -> String? { last(keyword)?.arguments.first }

    /// keepalived's deepest blocks are four (virtual_server, real_server, a checker, url); far deeper nesting is no
    /// configuration, and a tree that deep could not even be freed without running out of stack.
    static let depthLimit = 64

    /// Statements of a whole configuration, or the error for braces that do not pair.
    static func parse(_ lines: [KeepalivedLine]) throws(ImportError) -> [KeepalivedBlock] {
        // Open blocks, innermost last; the bottom one holds the top-level statements.
        var stack: [KeepalivedBlock] = [
            KeepalivedBlock(place: SourcePlace(file: "", line: 0), keyword: "", arguments: [])
        ]
        stack[0].children = []
        // A statement whose line has ended: the next `{` may still open it as a block.
        var pending: KeepalivedBlock?
        var current: [String] = []
        var currentPlace: SourcePlace?
        func finish() {
            if let place = currentPlace {
                if let statement = pending { stack[stack.count - 1].children!.append(statement) }
                pending = KeepalivedBlock(place: place, keyword: current[0], arguments: Array(current.dropFirst()))
            }
            (current, currentPlace) = ([], nil)
        }
        for line in lines {
            for token in line.tokens {
                switch token.kind {
                case .word:
                    if currentPlace == nil {
                        finish()
                        currentPlace = line.place
                    }
                    current.append(token.text)
                case .open:
                    finish()
                    guard var block = pending else {
                        throw ImportError(line.place, "'{' opens a block without a keyword")
                    }
                    guard stack.count <= Self.depthLimit else {
                        throw ImportError(line.place, "blocks nested deeper than \(Self.depthLimit)")
                    }
                    block.children = []
                    stack.append(block)
                    pending = nil
                case .close:
                    finish()
                    if let statement = pending { stack[stack.count - 1].children!.append(statement) }
                    pending = nil
                    guard stack.count > 1 else { throw ImportError(line.place, "'}' closes no block") }
                    let closed = stack.removeLast()
                    stack[stack.count - 1].children!.append(closed)
                }
            }
            finish()
        }
        if let statement = pending { stack[stack.count - 1].children!.append(statement) }
        if let open = stack.dropFirst().last {
            throw ImportError(open.place, "the block \(open.keyword) opened here is never closed ('{' without '}')")
        }
        return stack[0].children!
    }
}
