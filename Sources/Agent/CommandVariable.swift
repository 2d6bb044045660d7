/// What an exec check's command is told of its server, as environment variables and as `${NAME}` in its arguments
/// (no shell is needed to pass the server's address to a program).
public enum CommandVariable: String, CaseIterable, Sendable {
    /// The VIP; empty for a fwmark service.
    case vip = "DRCHECK_VIP"
    /// The VIP's port; empty for a fwmark service.
    case vport = "DRCHECK_VPORT"
    case rip = "DRCHECK_RIP"
    /// The check's `port`, else the destination's.
    case rport = "DRCHECK_RPORT"
    /// The service's label (its name, else VIP:port or fwmark:N).
    case service = "DRCHECK_SERVICE"
    /// tcp, udp, sctp or fwmark.
    case transport = "DRCHECK_PROTOCOL"
    /// The firewall mark of a fwmark service; empty otherwise.
    case fwmark = "DRCHECK_FWMARK"

    /// `argument` with every `${NAME}` of `values` replaced by its value.
    public static func expand(_ argument: String, _ values: [String: String]) -> String {
        guard argument.contains("${DRCHECK_") else { return argument }
        var expanded = argument
        for (name, value) in values { expanded = expanded.replacing("${\(name)}", with: value) }
        return expanded
    }

    /// The first `${DRCHECK_...}` in `argument` that names none of `known`, if any.
    static func unknown(in argument: String, known: [String]) -> String? {
        var rest = argument[...]
        while let start = rest.firstRange(of: "${DRCHECK_") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                return String(rest[start.lowerBound...])
            }
            let name = String(rest[rest.index(start.lowerBound, offsetBy: 2)..<end])
            if !known.contains(name) { return "${\(name)}" }
            rest = rest[rest.index(after: end)...]
        }
        return nil
    }
}
