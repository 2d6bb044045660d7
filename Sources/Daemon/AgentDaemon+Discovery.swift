import Agent
import CLinux
import Exporter
import IPVS
import Primitives
import Probe

extension AgentDaemon {
    /// Discovers now and every `discovery_interval`: destinations added or removed in the kernel are picked up,
    /// and weights set by others are seen.
    func discoverPeriodically() {
        discover()
        // Memory freed since (a state file's JSON, a scrape's rendering, probes that ended) goes back to the system
        // rather than staying in malloc's free lists, where it would count as the daemon's for good.
        malloc_trim(0)
        loop.schedule(after: running.config.discoveryInterval) { [weak self] in self?.discoverPeriodically() }
    }

    /// Reads the kernel's counters for the director's own faults each second (`DirectorFaults`): a fault must be
    /// known before the probes it fails could drain their servers (`fall` of them).
    func watchDirectorFaults() {
        directorFaults.tick(policy: running.config.drSysctls)
        loop.schedule(after: .seconds(1)) { [weak self] in self?.watchDirectorFaults() }
    }

    func discover() {
        // Last pass's weights against the verdicts its turn reached.
        compareShadow()
        let fresh: KernelSnapshot
        do {
            fresh = try KernelSnapshot.read(ipvs, config: running.config)
            conditions.clear("ipvs-read", "IPVS table readable again")
        } catch {
            ipvsReadFailed(error)
            return
        }
        // Before the kernel's weights: a server `drcheck drain` just set to 0 reads as that drain, not as a weight
        // set by someone else.
        readDrains()
        for key in snapshot.services.keys.sorted() where fresh.services[key] == nil {
            turns.enqueue(.serviceGone(key))
            verdicts.forget(service: key)
        }
        for (key, service) in fresh.services.sorted(by: { $0.key < $1.key }) {
            turns.enqueue(.kernel(key, service.weights))
        }
        for service in running.config.services {
            if let advice = fresh.otherFamilyOnly[service.key] {
                conditions.raise("family \(service.key)", .warning, advice)
            } else {
                conditions.clear("family \(service.key)", "\(service.label): IPVS has its fwmark service now")
            }
        }
        for (key, why) in fresh.notChecked.sorted(by: { $0.key < $1.key }) where snapshot.notChecked[key] == nil {
            log.notice("\(key.label) (\(key.transportName)): not checked: \(why)")
        }
        snapshot = fresh
        // Out of descriptors getifaddrs fails: read as no address at all, every DR target would move to its RIP and
        // lose its probe service. The targets stay as they are until the addresses can be read.
        if let interfaces = host.interfaces() {
            retarget(interfaces)
            arp.update(snapshot.arpSubjects(interfaces))
        }
        if targets.awaitFirstProbes(probedBefore: { verdicts.lastProbe[$0] != nil }) { becomeReady() }
        verdicts.tick()
        // A state the last change could not save (a full or read-only file system) is saved once it can be.
        if conditions.message(of: "state-save") != nil { saveState() }
    }

    /// Feeds the drains file to the decision core when it changed since the last read (`force`: read it anyway).
    func readDrains(force: Bool = false) {
        if let notes = drains.read(force: force) { turns.enqueue(.drains(notes)) }
    }

    /// Makes the probe targets, their DR probe services and the scheduler match the snapshot and the config.
    func retarget(_ interfaces: DirectorInterfaces) {
        var wanted = buildTargets(interfaces)
        if drKeeper.vetSysctls(for: wanted.values, fix: running.config.drSysctls == .fix) {
            wanted = buildTargets(interfaces)
        }
        do {
            try drKeeper.sync(&wanted, listed: snapshot.probeServices)
        } catch {
            ipvsReadFailed(error)
        }
        let (gone, changed) = targets.replace(with: wanted)
        for target in gone {
            scheduler.remove(target.id)
            commandScheduler.remove(target.id)
            publisher.remove(target.id, labels: target.labels)
            verdicts.forget(target.id)
        }
        for (old, target) in changed {
            let id = target.id
            if let old, old.labels != target.labels { metrics.removeServer(old.labels) }
            switch target.check {
            case .network:
                commandScheduler.remove(id)
            case .command(let check):
                scheduler.remove(id)
                commandScheduler.set(
                    id, check: check, interval: pacedInterval(id) ?? target.interval, jitter: target.jitter)
            }
        }
        shareProbes()
        for (id, target) in targets.all {
            guard let destination = snapshot.destination(id) else { continue }
            metrics.updateKernelCounters(target.labels, DestinationCounters(destination))
        }
        directorFaults.retargeted(targets.all.values, interfaces: interfaces, policy: running.config.drSysctls)
    }

    /// Schedules one probe for each group of identical network checks (`ProbeSharing`): the others of a group
    /// take its result and have no schedule of their own.
    private func shareProbes() {
        sharing = ProbeSharing(targets.all)
        for (id, target) in targets.all {
            guard case .network(let check) = target.check else { continue }
            if sharing.leader[id] != nil {
                scheduler.remove(id)
            } else {
                scheduler.set(
                    id, check: DRPathCheck(check, atRIP: target.ripCheck),
                    interval: pacedInterval(id) ?? target.interval, jitter: target.jitter)
            }
        }
    }

    private func buildTargets(_ interfaces: DirectorInterfaces) -> [ServerID: ProbeTarget] {
        let builder = TargetBuilder(
            config: running.config, interfaces: interfaces, drRefused: drKeeper.drRefused,
            patterns: targets.bodyPatterns, connectOnly: verdicts.protocols.connectOnly
        )
        let (wanted, notes) = builder.targets(for: snapshot, marks: &drKeeper.marks)
        for (id, note) in notes { conditions.raise("target \(id)", wanted[id] == nil ? .error : .warning, note) }
        for id in targets.note(Set(notes.keys)) {
            conditions.clear("target \(id)", "\(id): probed as configured")
        }
        return wanted
    }

    /// Deletes probe services a killed drcheck left behind (every fwmark service with a mark in the reserved range).
    func pruneProbeServices() throws(StartupError) {
        do {
            try drKeeper.prune(running.config.probeMarks)
        } catch {
            throw .ipvs(error.description)
        }
    }
}

extension DestinationCounters {
    init(_ destination: Destination) {
        self.init(
            activeConnections: UInt64(destination.activeConnections),
            inactiveConnections: UInt64(destination.inactiveConnections),
            connections: destination.stats.connections, packetsIn: destination.stats.inPackets,
            packetsOut: destination.stats.outPackets, bytesIn: destination.stats.inBytes,
            bytesOut: destination.stats.outBytes)
    }
}
