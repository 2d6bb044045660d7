import Glibc

/// An exec check's `command`: an argv list, vetted when the config is loaded, so that a missing or non-executable
/// program is a config error (and a reload naming one keeps the running config) instead of a failure of every
/// server's check.
enum CommandFile {
    /// `hook`: a change hook's command, whose arguments may name `HookVariable`s too.
    static func argv(_ field: YAMLField, hook: Bool = false) throws(ConfigError) -> [String] {
        guard case .sequence = field.node.content else {
            throw field.error("must be a list, the program then its arguments, like [/usr/bin/dig, +short] (no shell)")
        }
        var argv: [String] = []
        for item in try field.sequence() {
            let text = try item.scalar()
            guard !text.utf8.contains(0) else { throw item.error("must not contain a NUL character") }
            let names = CommandVariable.allCases.map(\.rawValue) + (hook ? HookVariable.allCases.map(\.rawValue) : [])
            if let unknown = CommandVariable.unknown(in: text, known: names) {
                let known = names.joined(separator: ", ")
                throw item.error("\(unknown) is not a variable drcheck sets (it sets \(known))")
            }
            argv.append(text)
        }
        guard let program = argv.first, !program.isEmpty else { throw field.error("must name a program") }
        argv[0] = try resolve(program, field: field)
        return argv
    }

    /// The program's absolute path: as written when it holds a slash (then it must be absolute: the daemon's working
    /// directory is no one's choice), else the first match in PATH.
    static func resolve(_ program: String, field: YAMLField) throws(ConfigError) -> String {
        if program.contains("/") {
            guard program.hasPrefix("/") else {
                throw field.error("\"\(program)\" must be an absolute path or a name found in PATH")
            }
            if let problem = problem(program) { throw field.error("\(program): \(problem)") }
            return program
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(program)"
            if problem(candidate) == nil { return candidate }
        }
        throw field.error("\(program): no executable of that name in PATH (\(path))")
    }

    /// Why `path` cannot be run, nil when it can.
    static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return String(cString: strerror(errno)).lowercased() }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return info.st_mode & S_IFMT == S_IFDIR ? "is a directory" : "not a regular file"
        }
        guard access(path, X_OK) == 0 else { return "not executable" }
        return nil
    }
}
