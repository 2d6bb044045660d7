import Agent

/// What the daemon reads of the director beyond IPVS: its interfaces and its DR sysctls; a test's own instead.
struct DirectorHost {
    /// Nil when they cannot be read (getifaddrs needs a descriptor).
    var interfaces: () -> DirectorInterfaces?
    var sysctls: DRSysctls
    /// Its limits (the neighbour table's thresholds and the rest, OPERATIONS.md "The director's limits").
    var limits: () -> DirectorLimits = { DirectorLimits() }

    static var live: DirectorHost {
        DirectorHost(
            interfaces: DirectorInterfaces.read, sysctls: DRSysctls(), limits: { DirectorLimits.read(openFiles: nil) })
    }
}
