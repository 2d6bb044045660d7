import Agent
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The state file: JSON with a version field, replaced atomically on every save (rewritten in place when it cannot
/// be replaced).
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
            let state = try AgentState(json: data)
            guard state.version == AgentState.currentVersion else {
                return (
                    AgentState(),
                    "state file \(path) has version \(state.version), not \(AgentState.currentVersion); \(fresh)"
                )
            }
            return (state, nil)
        } catch {
            return (AgentState(), "state file \(path) is corrupt (\(error.reason)); \(fresh)")
        }
    }

    /// Writes a temporary file in the same directory, fsyncs it, renames it over the state file, fsyncs the directory.
    /// The file is padded with spaces (JSON allows them) to leave room to grow, so that when it cannot be replaced (a
    /// full file system) it is rewritten in place: a drain drcheck made is then still saved, and a restart does not
    /// read the kernel's 0 against a weight saved before it as an operator's drain.
    public func save(_ state: AgentState) throws(SaveError) {
        var json = state.json()
        let size = json.count
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: Self.room(for: size)))
        do {
            try AtomicFile.replace(path, with: json)
        } catch {
            do {
                try InPlaceFile.overwrite(path, with: Array(json[..<size]), padding: UInt8(ascii: " "))
            } catch _ {
                throw SaveError(path: path, step: error.step, errno: error.errno)
            }
        }
    }

    /// How many spaces go after `size` bytes of JSON: up to a whole number of 4 KiB blocks with at least a quarter of `size`
    /// (and 1 KiB) to spare: room for the state to grow while the file system is full.
    static func room(for size: Int) -> Int {
        let block = 4096
        let capacity = (size + max(size / 4, 1024) + block - 1) / block * block
        return capacity - size
    }

    /// The folder part of `path`, as NSString's deletingLastPathComponent gave it: "" for a bare name, "/" for a
    /// file at the root.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
