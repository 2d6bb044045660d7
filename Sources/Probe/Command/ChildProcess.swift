import CLinux
import EventLoop
import Glibc

/// One exec check's process: spawned in its own process group with stdin from /dev/null, stdout and stderr into one
/// pipe, no descriptor of drcheck's but those, the default signal mask and dispositions; watched through a pidfd.
final class ChildProcess {
    let pid: pid_t
    private let pidfd: Int32
    private let output: Int32
    private var kept: [UInt8] = []
    private var outputOpen = true
    private var timer: EventLoop.TimerID?
    /// Set at the timeout: how long the group had waited for a CPU by then.
    private var timedOut: Duration?
    private var reaped = false
    var cancelled = false

    private init(pid: pid_t, pidfd: Int32, output: Int32) {
        self.pid = pid
        self.pidfd = pidfd
        self.output = output
    }

    /// The first line of the output, at most 200 characters.
    var firstLine: String {
        let line = kept.prefix { $0 != UInt8(ascii: "\n") }.prefix(200)
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        return String(
            decoding: line.drop { blank.contains($0) }.reversed().drop { blank.contains($0) }.reversed(), as: UTF8.self)
    }

    static func spawn(_ check: CommandCheck) throws(SpawnError) -> ChildProcess {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC) == 0 else { throw SpawnError(errno) }
        // Only drcheck's end is non-blocking: the child's writes block as a program expects of its stdout.
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        defer { close(ends[1]) }
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        // Probe sockets, the listener and epoll must not live on in a command (or in what it leaves behind).
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        // The loop blocks the signals it reads from a signalfd and ignores SIGPIPE: a command gets neither.
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let code = withCStrings(check.argv) { argv in
            withCStrings(environment(adding: check.environment)) { environment in
                posix_spawn(&pid, argv[0]!, &actions, &attributes, argv, environment)
            }
        }
        guard code == 0 else {
            close(ends[0])
            throw SpawnError(code)
        }
        let pidfd = pidfd_open(pid, 0)
        guard pidfd >= 0 else {
            let error = errno
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            close(ends[0])
            throw SpawnError(error)
        }
        return ChildProcess(pid: pid, pidfd: pidfd, output: ends[0])
    }

    /// Watches the exit and the output on `loop`; `ended` runs once, after the process is reaped.
    func watch(on loop: EventLoop, timeout: Duration, ended: @escaping (CommandVerdict.End) -> Void)
        throws(SpawnError)
    {
        let reaped = { [unowned self] in
            guard let status = reap(loop) else { return false }
            ended(timedOut.map { .timedOut(cpuWait: $0) } ?? CommandVerdict.end(waitStatus: status))
            return true
        }
        do {
            try loop.watch(output, for: .readable) { [unowned self] _ in drain(loop) }
            try loop.watch(pidfd, for: .readable) { _ in _ = reaped() }
        } catch {
            throw SpawnError(error.errno)
        }
        timer = loop.schedule(after: timeout) { [weak self] in
            guard let self else { return }
            timer = nil
            // A late loop may see the deadline before the exit that came first: that exit is the answer.
            guard !reaped() else { return }
            timedOut = GroupCPUWait.of(group: pid)
            killGroup()
        }
    }

    func killGroup() {
        if !reaped { kill(-pid, SIGKILL) }
    }

    /// Kills and reaps at once (the runner is going away); killed, the process ends without delay.
    func stop(_ loop: EventLoop) {
        killGroup()
        if !reaped {
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        release(loop)
    }

    /// The exited process's wait status; the descriptors closed, the timer cancelled. Nil when it has not exited.
    private func reap(_ loop: EventLoop) -> Int32? {
        var status: Int32 = 0
        guard !reaped, waitpid(pid, &status, WNOHANG) == pid else { return nil }
        reaped = true
        // What it wrote before it exited is in the pipe; what a process it left behind writes later is not waited for.
        drain(loop)
        release(loop)
        return status
    }

    private func release(_ loop: EventLoop) {
        reaped = true
        if let timer { loop.cancel(timer) }
        timer = nil
        if outputOpen { closeOutput(loop) }
        loop.unwatch(pidfd, closing: true)
        close(pidfd)
    }

    /// Reads what is there, keeping up to the runner's limit and discarding the rest (a command is never stalled
    /// on a full pipe).
    private func drain(_ loop: EventLoop) {
        guard outputOpen else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(output, &buffer, buffer.count)
            if count > 0 {
                kept += buffer.prefix(min(count, CommandRunner.outputLimit - kept.count))
                continue
            }
            if count == 0 || errno != EAGAIN && errno != EINTR { closeOutput(loop) }
            return
        }
    }

    private func closeOutput(_ loop: EventLoop) {
        outputOpen = false
        loop.unwatch(output, closing: true)
        close(output)
    }

    /// drcheck's environment with `extra` set over it, as NAME=value strings.
    private static func environment(adding extra: [String: String]) -> [String] {
        var names = Set(extra.keys)
        var pairs: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            let name = String(text.prefix { $0 != "=" })
            if !names.contains(name) { pairs.append(text) }
            cursor += 1
        }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) where names.remove(name) != nil {
            pairs.append("\(name)=\(value)")
        }
        return pairs
    }
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the call.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Why a command could not be started: an errno.
struct SpawnError: Error, CustomStringConvertible {
    let errno: Int32

    init(_ errno: Int32) { self.errno = errno }

    var description: String { String(cString: strerror(errno)) }
}
