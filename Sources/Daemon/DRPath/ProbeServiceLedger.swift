import EventLoop
import Primitives

/// drcheck's own DR probe services as it knows them, by real server: the mark, and since when the kernel's service
/// is known to lead to that server. That time is nil while it is not known (after an IPVS error, or when the table
/// lacked the service or led elsewhere): a DR probe counts only when it began after it (`trusts`).
struct ProbeServiceLedger {
    struct Entry: Equatable {
        var mark: UInt32
        var verifiedAt: Monotonic?
    }

    private(set) var entries: [IPAddress: Entry] = [:]
    /// Every server drcheck has had a probe service for since it started, needed now or not: one made again for it
    /// is recreated, even after its service vanished (and with it the need) for a while.
    private(set) var known: Set<IPAddress> = []

    /// `server`'s probe service with `mark` was just made, or read and found leading to it.
    mutating func verified(_ server: IPAddress, mark: UInt32, at time: Monotonic) {
        entries[server] = Entry(mark: mark, verifiedAt: time)
        known.insert(server)
    }

    /// `server`'s probe service could not be made: its probes are not trusted until it is.
    mutating func distrust(_ server: IPAddress) {
        entries[server]?.verifiedAt = nil
    }

    /// Verified with this mark, so a pass need not read it.
    func isVerified(_ server: IPAddress, mark: UInt32) -> Bool {
        entries[server]?.mark == mark && entries[server]?.verifiedAt != nil
    }

    /// Whether a probe along `path` that began at `started` went through its probe service: one verified before it
    /// began and not doubted since.
    func trusts(_ path: DRPath, since started: Monotonic) -> Bool {
        guard let entry = entries[path.server], entry.mark == path.mark, let verified = entry.verifiedAt else {
            return false
        }
        return verified <= started
    }

    /// After an IPVS error, or a service found gone: nothing is trusted until read or made again.
    mutating func distrustAll() {
        for server in entries.keys { entries[server]?.verifiedAt = nil }
    }

    /// Forgets the servers no DR target needs any more (their services are deleted as strays).
    mutating func forget(allBut needed: Set<IPAddress>) {
        entries = entries.filter { needed.contains($0.key) }
    }
}
