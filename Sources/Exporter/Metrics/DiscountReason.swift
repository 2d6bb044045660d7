/// Why a failed probe was counted against no server (the `reason` label of `drcheck_probes_discounted_total`).
public enum DiscountReason: String, Sendable {
    /// A timeout while drcheck's own loop ran late: the reply may have come and waited.
    case overload
    /// The director could not make the probe (descriptors, memory, local ports).
    case localError = "local_error"
}
