import CLinux
import EventLoop
import Glibc

/// Runs exec checks on the event loop: each command is spawned without a shell (posix_spawn) in a process group of
/// its own, its exit is seen through a pidfd on the loop's epoll and reaped at once (never a blocking wait), its
/// output is read on the loop up to `outputLimit`, and at its timeout the whole group is killed.
public final class CommandRunner: ProbeRunner {
    /// The output kept (stdout and stderr together); the first line goes into the result's detail.
    public static let outputLimit = 4096

    private let loop: EventLoop
    private var children: [ProbeID: ChildProcess] = [:]
    private var nextID: UInt64 = 1

    public init(loop: EventLoop) { self.loop = loop }

    deinit {
        for child in children.values { child.stop(loop) }
    }

    /// Commands running.
    public var running: Int { children.count }

    /// Starts the command; `completion` runs on the loop when it ends, never from inside this call. A command that
    /// cannot be started (gone since the config was loaded, or the director out of processes or memory) ends as a
    /// `local_error`: it says nothing of the server.
    @discardableResult
    public func start(_ check: CommandCheck, completion: @escaping (ProbeResult) -> Void) -> ProbeID {
        let id = ProbeID(raw: nextID)
        nextID += 1
        let started = loop.now()
        do {
            let child = try ChildProcess.spawn(check)
            children[id] = child
            try child.watch(on: loop, timeout: check.timeout) { [unowned self] end in
                guard children.removeValue(forKey: id) != nil, !child.cancelled else { return }
                completion(
                    CommandVerdict.result(
                        end, dynamicWeight: check.dynamicWeight, output: child.firstLine,
                        duration: loop.now() - started))
            }
        } catch {
            children[id]?.stop(loop)
            children[id] = nil
            let program = check.argv.first ?? ""
            loop.soon {
                completion(ProbeResult(.localError, duration: .zero, detail: "cannot run \(program): \(error)"))
            }
        }
        return id
    }

    /// Abandons a command: its group is killed and reaped, its completion is not called.
    public func cancel(_ id: ProbeID) {
        guard let child = children[id] else { return }
        child.cancelled = true
        child.killGroup()
    }
}
