/// Every metric family drcheck exports: its name, its help, and for the histogram its buckets.
enum MetricFamilies {
    static let up = family("drcheck_real_server_up", "1 if the real server passes its health check, 0 if not.")
    static let weight = family("drcheck_real_server_weight", "The real server's weight now in the kernel's IPVS table.")
    static let configuredWeight = family(
        "drcheck_real_server_configured_weight", "The weight drcheck restores when the real server is healthy.")
    static let adminDrained = family(
        "drcheck_real_server_admin_drained",
        "1 while an operator holds the real server at weight 0 (drcheck drain, or weight 0 set by hand), else 0.")
    static let flapPenalty = family(
        "drcheck_real_server_flap_penalty",
        "The real server's flap penalty now (flap_damping): 1 a health change, halved every half_life; a change "
            + "above suppress holds it drained until it decays below reuse.")
    static let probeResults = family(
        "drcheck_probe_results_total", "Health probes finished, by result class (ok or the kind of failure).")
    static let probeDuration = family(
        "drcheck_probe_duration_seconds", "Time from the start of a health probe to its result.")
    static let probeStartDelay = family(
        "drcheck_probe_start_delay_seconds",
        "How late probes started after they were due (the event loop's lateness; should stay near 0).")
    static let transitions = family(
        "drcheck_real_server_state_transitions_total",
        "Changes of a real server's health state, by old and new state.")
    static let servicePanic = family(
        "drcheck_service_panic",
        "1 while drcheck refuses to drain a service's servers (all failing or the last one).")
    static let serviceInfo = family(
        "drcheck_service_info",
        "Always 1 for each service drcheck checks; the labels say its address, protocol and check type.")
    static let ipvsUpdates = family("drcheck_ipvs_updates_total", "Changes drcheck made to the kernel's IPVS table.")
    static let ipvsErrors = family("drcheck_ipvs_errors_total", "IPVS netlink requests that failed.")
    static let activeConnections = family(
        "drcheck_ipvs_connections_active", "Active connections the kernel holds for the destination.")
    static let inactiveConnections = family(
        "drcheck_ipvs_connections_inactive", "Inactive connections the kernel holds for the destination.")
    static let connections = family(
        "drcheck_ipvs_connections_total", "Connections the kernel scheduled to the destination since it was added.")
    static let packetsIn = family(
        "drcheck_ipvs_incoming_packets_total", "Packets the kernel forwarded to the destination.")
    static let packetsOut = family(
        "drcheck_ipvs_outgoing_packets_total", "Packets from the destination the kernel saw (none in DR mode).")
    static let bytesIn = family("drcheck_ipvs_incoming_bytes_total", "Bytes the kernel forwarded to the destination.")
    static let bytesOut = family(
        "drcheck_ipvs_outgoing_bytes_total", "Bytes from the destination the kernel saw (none in DR mode).")
    static let reloadSuccessful = family(
        "drcheck_config_last_reload_successful", "1 if the last configuration load succeeded, 0 if it failed.")
    static let reloadTimestamp = family(
        "drcheck_config_last_reload_success_timestamp_seconds",
        "Unix time of the last successful configuration load.")
    static let directorFault = family(
        "drcheck_director_dr_path_fault",
        "1 while every DR-path probe fails and every real server answers on its RIP: the director is at fault.")
    static let directorNeighbours = family(
        "drcheck_director_neighbours",
        "Real servers on the director's own subnets, by family: each needs an entry in its neighbour table, for "
            + "IPVS's forwarding and the probes alike.")
    static let directorNeighbourLimit = family(
        "drcheck_director_neighbour_limit",
        "The neighbour table's gc_thresh2 and gc_thresh3, by family (absent where this namespace cannot read "
            + "them): past gc_thresh3 the director cannot reach the real servers beyond it.")
    static let directorLimitFault = family(
        "drcheck_director_fault",
        "1 while the kernel shows a fault of the director's own, by reason: neighbour_table_full (on-link servers "
            + "without an entry are reached neither by probes nor by IPVS), conntrack_full (new connections are "
            + "dropped).")
    static let directorLimitUsed = family(
        "drcheck_director_limit_used",
        "What the director uses of one of its limits: conntrack (entries now), local_ports (held at once by "
            + "DR-path probes to one VIP and port); descriptors are process_open_fds.")
    static let directorLimit = family(
        "drcheck_director_limit",
        "The director's limit beside drcheck_director_limit_used: nf_conntrack_max, the size of "
            + "ip_local_port_range.")
    static let arpConflict = family(
        "drcheck_arp_conflict",
        "1 for each MAC other than the director's that answers ARP for a VIP held here (a real server without "
            + "arp_ignore=1/arp_announce=2).")
    static let overloaded = family(
        "drcheck_overloaded",
        "1 while drcheck cannot keep its probe schedule (probes start late or wait for room); timeouts while its "
            + "loop runs late are then not counted against servers.")
    static let achievedInterval = family(
        "drcheck_probe_interval_achieved_seconds",
        "Mean time between two probes of the same real server over the last 10 s (the configured interval when "
            + "on schedule).")
    static let shadowDisagreement = family(
        "drcheck_shadow_disagreement",
        "Shadow mode (--dry-run): 1 while drcheck's verdict on the real server (label drcheck: up or down) has "
            + "disagreed for 10s with its weight in the kernel, which another checker keeps.")
    static let hookRuns = family(
        "drcheck_hook_runs_total",
        "Change hooks (on_change), by result: ok, failed, timeout, error (not started) or dropped (the queue was "
            + "full).")
    static let discounted = family(
        "drcheck_probes_discounted_total",
        "Probes counted for or against no server, by reason: overload (a timeout while drcheck's loop ran late), "
            + "local_error (the director out of descriptors, memory or local ports), probe_service (a DR probe "
            + "whose probe service was not verified in the IPVS table) or director_fault (no answer while the "
            + "director's conntrack table was full).")
    static let descriptorsExhausted = family(
        "drcheck_descriptors_exhausted_total",
        "Connections to /metrics, /status and /healthz accepted on the descriptor kept aside for them, drcheck "
            + "having no other free (one at a time; probes fail as local_error meanwhile).")
    static let feedbackInvalid = family(
        "drcheck_feedback_invalid_total",
        "Passing probes whose weight_header value was none of N%, drain or up: ignored, the configured weight "
            + "kept.")
    static let peerUp = family(
        "drcheck_peer_up",
        "1 while the peer's (another director's drcheck) verdicts were read at its last poll, 0 when they were not."
    )
    static let peerDisagreement = family(
        "drcheck_peer_disagreement",
        "1 for each real server the peer has judged otherwise than this director for 10 s or more (one fails from "
            + "one director only: that director's path, or the server behind it).")
    static let fleetStoreUp = family(
        "drcheck_fleet_store_up",
        "With fleet: 1 while this director holds its lease in etcd and read the fleet's verdicts at its last poll; "
            + "0 while it goes on its own verdicts.")
    static let fleetDirectors = family(
        "drcheck_fleet_directors",
        "With fleet: the live directors whose verdicts were read at the last poll, this one included (0 while "
            + "the store is not read).")
    static let fleetDown = family(
        "drcheck_fleet_down",
        "1 for each real server a quorum of the fleet's other directors sees failing: drained on this director "
            + "too.")
    static let fleetDownHereOnly = family(
        "drcheck_fleet_down_here_only",
        "1 for each real server this director sees failing while a quorum of the fleet's other directors sees it "
            + "healthy: kept drained here, this director's path to it.")
    static let buildInfo = family("drcheck_build_info", "Always 1; the version label says which drcheck runs.")

    /// Start delays from 0.5 ms (on time) to 1 s (a whole interval lost).
    static let startDelayBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

    /// Every family, in exposition order.
    static let all: [MetricFamily] = [
        up, weight, configuredWeight, adminDrained, flapPenalty, probeResults, probeDuration, probeStartDelay,
        transitions,
        servicePanic, serviceInfo, activeConnections,
        inactiveConnections, connections, packetsIn, packetsOut, bytesIn, bytesOut, ipvsUpdates, ipvsErrors,
        directorFault, directorLimitFault, directorNeighbours, directorNeighbourLimit, directorLimitUsed,
        directorLimit, arpConflict, overloaded, achievedInterval,
        discounted, descriptorsExhausted, feedbackInvalid, hookRuns,
        shadowDisagreement, peerUp, peerDisagreement, fleetStoreUp, fleetDirectors, fleetDown, fleetDownHereOnly,
        reloadSuccessful, reloadTimestamp, buildInfo,
    ]

    /// The families kept series by series (`ShardedRegistry`), the others being `ServerFamily`'s, in exposition order.
    static let registered = all.filter { ServerFamily($0) == nil }

    /// Probe durations from 1 ms to 10 s, roughly three buckets a decade.
    static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The bounds as the `le` label renders them, formatted once rather than on every line of every scrape.
    static let durationBucketLabels = durationBuckets.map(\.description)

    private static func family(_ name: String, _ help: String) -> MetricFamily { MetricFamily(name: name, help: help) }
}

/// A family of series: its name and HELP text.
struct MetricFamily: Hashable, Sendable {
    var name: String
    var help: String
}
