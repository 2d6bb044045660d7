/// What the daemon reads of the director beyond IPVS: its interfaces and its DR sysctls; a test's own instead.
struct DirectorHost {
    /// Nil when they cannot be read (getifaddrs needs a descriptor).
    var interfaces: () -> DirectorInterfaces?
    var sysctls: DRSysctls

    static var live: DirectorHost { DirectorHost(interfaces: DirectorInterfaces.read, sysctls: DRSysctls()) }
}
