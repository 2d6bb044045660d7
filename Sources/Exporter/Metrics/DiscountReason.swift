/// Why a probe was counted for or against no server (the `reason` label of `drcheck_probes_discounted_total`).
public enum DiscountReason: String, Sendable {
    /// A timeout while drcheck's own loop ran late: the reply may have come and waited.
    case overload
    /// The director could not make the probe (descriptors, memory, local ports).
    case localError = "local_error"
    /// A DR probe whose probe service was not verified in the IPVS table while it ran: it may not have taken the DR
    /// path to its server.
    case probeService = "probe_service"
    /// No answer while the director's own table dropped new connections (conntrack full).
    case directorFault = "director_fault"
}
