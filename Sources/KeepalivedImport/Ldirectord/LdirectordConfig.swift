import Agent

/// ldirectord.cf as ldirectord reads it: `key = value` lines, a `virtual=` (or `virtual6=`) line at the margin
/// opening a service whose settings and `real=` lines follow indented (a tab counts four spaces, four are needed);
/// `#` starts a comment.
struct LdirectordConfig {
    struct Setting {
        let place: SourcePlace
        let key: String
        let value: String
    }

    struct Virtual {
        let place: SourcePlace
        let ipv6: Bool
        let address: String
        var settings: [Setting] = []

        /// The last value of `key` in the service, else nil.
        func value(_ key: String) -> String? { settings.last { $0.key == key }?.value }
    }

    private(set) var globals: [Setting] = []
    private(set) var virtuals: [Virtual] = []

    func global(_ key: String) -> String? { globals.last { $0.key == key }?.value }

    /// The lines of `text` from `file`; a line that is no `key = value` is an error naming it.
    init(_ text: String, file: String) throws(ImportError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let place = SourcePlace(file: file, line: index + 1)
            var line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            line = Self.withoutComment(line).replacing("\t", with: "    ")
            let body = line.drop { $0 == " " }
            if body.isEmpty { continue }
            guard let equals = body.firstIndex(of: "=") else {
                throw ImportError(place, "not a key = value line: \(body.prefix(80))")
            }
            let key = body[..<equals].trimmingBlanks.lowercased()
            let value = String(body[body.index(after: equals)...]).trimmingBlanks
            let indented = line.count - body.count >= 4
            if !indented, key == "virtual" || key == "virtual6" {
                virtuals.append(Virtual(place: place, ipv6: key == "virtual6", address: value))
            } else if indented, !virtuals.isEmpty {
                virtuals[virtuals.count - 1].settings.append(Setting(place: place, key: key, value: value))
            } else {
                globals.append(Setting(place: place, key: key, value: value))
            }
        }
        guard !virtuals.isEmpty || !globals.isEmpty else {
            throw ImportError(file: file, "not an ldirectord configuration: no virtual= line and no setting")
        }
    }

    /// ldirectord cuts a line at `#` wherever it stands.
    private static func withoutComment(_ line: String) -> String {
        line.firstIndex(of: "#").map { String(line[..<$0]) } ?? line
    }
}

extension String {
    /// A quoted value without its quotes: `"/health"` is `/health`.
    var unquoted: String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : self
    }
}
