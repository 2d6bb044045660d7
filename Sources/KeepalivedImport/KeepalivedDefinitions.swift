import Glibc
import Primitives

/// keepalived's parameter definitions (keepalived.conf(5) "Parameter substitution"): `$NAME=value` on one line, or
/// on several, each ending in `\` but the last (a multiline definition, expanded into lines of their own), and the
/// pre-defined ones: `${_PWD}`, `${_INSTANCE}`, `${_RANDOM [MIN [MAX]]}`, `${_ENV VAR}`, `${_HASH}`, `${_BANG}`.
struct KeepalivedDefinitions {
    enum Value: Equatable {
        case line(String)
        case lines([String])
    }

    /// What a reference expands to, and what the import says about it (a value keepalived computes on its own
    /// machine, at its own start).
    struct Expansion: Equatable {
        var value: Value
        var note: String?
    }

    /// keepalived's `-i` (the `--config-id` given), else nil.
    let configID: String?
    private var defined: [String: Value] = [:]

    init(configID: String?) { self.configID = configID }

    mutating func define(_ name: String, _ value: Value) { defined[name] = value }

    /// The expansion of `$NAME` or `${NAME PARAMS...}` in the file in `directory`; nil when nothing defines it.
    /// A definition of the file's own overrides a pre-defined one, as in keepalived.
    func expansion(of name: String, parameters: [String], directory: String) -> Expansion? {
        if let value = defined[name] { return Expansion(value: value) }
        switch name {
        case "_PWD":
            let absolute = realpath(directory, nil).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            }
            return Expansion(value: .line(absolute ?? directory))
        case "_INSTANCE":
            if let configID { return Expansion(value: .line(configID)) }
            let host = HostName.current
            return Expansion(
                value: .line(host),
                note: "${_INSTANCE} is this machine's host name (\(host)) as keepalived -i would default it: "
                    + "give --config-id for the director's")
        case "_RANDOM":
            let low = parameters.first.flatMap { Int($0) } ?? 0
            return Expansion(
                value: .line(String(low)),
                note: "${_RANDOM} is a new number at each keepalived start: the import takes \(low), its lowest")
        case "_ENV":
            guard let variable = parameters.first else { return nil }
            let value = getenv(variable).map { String(cString: $0) } ?? ""
            return Expansion(
                value: .line(value),
                note: "${_ENV \(variable)} is the import's own environment's \(variable) (\"\(value)\"), "
                    + "not the director's")
        case "_HASH": return Expansion(value: .line("#"))
        case "_BANG": return Expansion(value: .line("!"))
        default: return nil
        }
    }
}
