/// What a change hook (`on_change`) is told, as environment variables and as `${NAME}` in its arguments; the server's
/// own (`CommandVariable`) are set too for a server's events.
public enum HookVariable: String, CaseIterable, Sendable {
    /// up, down, drained, restored, admin_drained, maintenance, undrained, panic, panic_over, sorry_server_up,
    /// sorry_server_down, director_fault, director_fault_over.
    case event = "DRCHECK_EVENT"
    /// The probe class that took a server down, or a drain's.
    case resultClass = "DRCHECK_CLASS"
    case weightFrom = "DRCHECK_WEIGHT_FROM"
    case weightTo = "DRCHECK_WEIGHT_TO"
    /// A drcheck drain's reason, or the director fault's message.
    case reason = "DRCHECK_REASON"
    /// The event's line in drcheck's log.
    case message = "DRCHECK_MESSAGE"
    /// Unix time of the event.
    case time = "DRCHECK_TIME"
}
