import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The state file: JSON with a version field, replaced atomically on every save.
public struct StateFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct SaveError: Error, Equatable, CustomStringConvertible {
        public let path: String
        public let step: String
        public let errno: Int32
        public var description: String { "cannot save state to \(path): \(step): \(String(cString: strerror(errno)))" }
    }

    /// The saved state; a missing file is a fresh start, an unreadable or corrupt one a fresh start with a warning.
    public func load() -> (state: AgentState, warning: String?) {
        guard FileManager.default.fileExists(atPath: path) else { return (AgentState(), nil) }
        let fresh = "starting fresh from the kernel's weights"
        guard let data = FileManager.default.contents(atPath: path) else {
            return (AgentState(), "state file \(path) is unreadable; \(fresh)")
        }
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let state = try decoder.decode(AgentState.self, from: data)
            guard state.version == AgentState.currentVersion else {
                return (
                    AgentState(),
                    "state file \(path) has version \(state.version), not \(AgentState.currentVersion); \(fresh)"
                )
            }
            return (state, nil)
        } catch {
            return (AgentState(), "state file \(path) is corrupt (\(Self.reason(error))); \(fresh)")
        }
    }

    /// Writes a temporary file in the same directory, fsyncs it, renames it over the state file, fsyncs the directory.
    public func save(_ state: AgentState) throws(SaveError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Encoding plain values cannot fail.
        let data = (try? encoder.encode(state)) ?? Data()
        let folder = Self.folder(of: path)
        let directory = folder.isEmpty ? "." : folder
        let temporary = "\(path).tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SaveError(path: path, step: "create \(temporary)", errno: errno) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeErrno = errno
        guard written == data.count, fsync(fd) == 0 else {
            let error = SaveError(path: path, step: "write \(temporary)", errno: written < 0 ? writeErrno : errno)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = SaveError(path: path, step: "rename \(temporary)", errno: errno)
            unlink(temporary)
            throw error
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { throw SaveError(path: path, step: "open \(directory)", errno: errno) }
        defer { close(dirfd) }
        guard fsync(dirfd) == 0 else { throw SaveError(path: path, step: "fsync \(directory)", errno: errno) }
    }

    /// The folder part of `path`, as NSString's deletingLastPathComponent gave it: "" for a bare name, "/" for a
    /// file at the root.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
