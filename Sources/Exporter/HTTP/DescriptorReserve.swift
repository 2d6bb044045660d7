import Glibc

/// A descriptor kept aside (an open /dev/null) for the listener: when the process has no descriptor left (probes
/// took them, or the limit was lowered), freeing it lets one scrape be accepted and answered, so /healthz, /status
/// and /metrics stay in sight exactly when the director is short.
final class DescriptorReserve {
    private var fd: Int32 = -1

    deinit { release() }

    var held: Bool { fd >= 0 }

    /// Takes the descriptor if it is not held; a failure (none free yet) leaves it to the next try.
    func take() {
        guard fd < 0 else { return }
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Frees the descriptor for `accept` (on the loop's one thread nothing else can take it in between) and returns
    /// what it returns. The descriptor is taken back at once when `accept` fails (keeping its errno), else when
    /// `take` is called after the accepted one closes. -1 when it is lent already.
    func lend(to accept: () -> Int32) -> Int32 {
        guard held else { return -1 }
        release()
        let accepted = accept()
        if accepted < 0 {
            let code = errno
            take()
            errno = code
        }
        return accepted
    }

    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }
}
