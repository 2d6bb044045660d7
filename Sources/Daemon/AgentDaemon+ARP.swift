import Agent
import IPVS
import Primitives

extension AgentDaemon {
    /// One ARP-watch round's conflicts: each logged once when it starts and once when it ends.
    func arpRound(_ conflicts: [ARPConflict]) {
        let now = Set(conflicts)
        for started in now.subtracting(arpConflicts).sorted() {
            let action = loaded.config.onArpConflict == .drain ? "; draining it (on_arp_conflict: drain)" : ""
            log.error(
                "ARP conflict: \(started): set arp_ignore=1 and arp_announce=2 on its interface toward the clients\(action)"
            )
        }
        for ended in arpConflicts.subtracting(now).sorted() {
            log.notice("ARP conflict over: \(ended.mac) no longer answers ARP for VIP \(ended.vip)")
        }
        arpConflicts = now
        publishARPConflicts()
    }

    /// With `on_arp_conflict: drain`, a real server answering ARP for a VIP fails its checks while it does.
    func arpVerdict(for id: ServerID) -> ProbeVerdict? {
        guard loaded.config.onArpConflict == .drain,
            arpConflicts.contains(where: { $0.realServer == id.server.address })
        else { return nil }
        return .failure("arp_conflict")
    }

    func startARPWatch() {
        arpWatch?.stop()
        arpWatch = nil
        guard loaded.config.arpWatch > .zero else { return }
        arpWatch = ARPWatch(
            loop: loop, period: loaded.config.arpWatch,
            onRound: { [weak self] in self?.arpRound($0) },
            onError: { [weak self] in self?.conditions.raise("arp-watch", .warning, $0) })
    }
}
