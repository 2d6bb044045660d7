/// What to say when every DR-path probe fails while every real server answers on its own address.
enum DirectorFault {
    static func message(_ targets: [ProbeTarget], sysctls: DRSysctls) -> String {
        let interfaces = Set(targets.compactMap { $0.drPath?.interface }).sorted()
        let fixes = interfaces.flatMap { sysctls.findings(interface: $0) }.map(\.command)
        let fix =
            fixes.isEmpty
            ? "check the director: its route to the VIP, firewall marks, and the probe services (ipvsadm -Ln)"
            : "run: " + fixes.joined(separator: "; ")
        return "every DR-path probe fails while every real server answers on its RIP: the fault is the director's, "
            + "nothing is drained for it; \(fix)"
    }
}
