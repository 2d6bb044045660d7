/// A composed YAML node: what the config reads, with the 1-based line each error names.
struct YAMLNode {
    enum Content {
        /// `plain`: written without quotes, so it may be a number; `stringTag`: quoted or tagged `!!str`, so it is no
        /// boolean.
        case scalar(String, plain: Bool, stringTag: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    var content: Content
    var line: Int

    var text: String? {
        guard case .scalar(let text, _, _) = content else { return nil }
        return text
    }

    /// YAML 1.1's booleans, any case, as Yams read them: a quoted or `!!str` value is text.
    var bool: Bool? {
        guard case .scalar(let text, _, let stringTag) = content, !stringTag else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// A plain integer as YAML 1.1 (and Yams) writes one: a sign, `_` between digits, 0x, 0o, 0b or a leading 0 for
    /// octal.
    var int: Int? {
        guard case .scalar(let text, let plain, _) = content, plain else { return nil }
        let digits = text.replacing("_", with: "")
        let negative = digits.hasPrefix("-")
        let unsigned = digits.dropFirst(negative || digits.hasPrefix("+") ? 1 : 0)
        guard digits != "0" else { return 0 }
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where unsigned.hasPrefix(prefix) {
            return Int((negative ? "-" : "") + unsigned.dropFirst(prefix.count), radix: radix)
        }
        return Int(digits)
    }
}
