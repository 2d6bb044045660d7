/// Reads `flap_damping: {half_life, suppress, reuse, max_suppress}` (README.md "Flap damping").
enum FlapDampingParser {
    static let keys = ["half_life", "suppress", "reuse", "max_suppress"]

    static func parse(_ field: YAMLField) throws(ConfigError) -> FlapDamping {
        let map = try field.mapping(known: keys)
        guard let halfLife = map["half_life"], let suppress = map["suppress"], let reuse = map["reuse"] else {
            throw field.error("needs half_life, suppress and reuse")
        }
        var damping = FlapDamping(
            halfLife: try ConfigParser.positive(halfLife), suppress: try number(suppress),
            reuse: try number(reuse))
        if let f = map["max_suppress"] { damping.maxSuppress = try ConfigParser.positive(f) }
        // Down and up again are two changes: a server that failed once must never be suppressed.
        guard damping.suppress >= 2 else {
            throw suppress.error("must be at least 2: a server that fails once changes twice (down, then up)")
        }
        guard damping.reuse < damping.suppress else { throw reuse.error("must be less than suppress") }
        guard damping.ceiling > damping.suppress else {
            throw (map["max_suppress"] ?? halfLife).error(
                "a penalty that decays to reuse within max_suppress never exceeds suppress: raise max_suppress")
        }
        return damping
    }

    /// A positive decimal number, at most 1,000.
    private static func number(_ field: YAMLField) throws(ConfigError) -> Double {
        let text = try field.scalar()
        guard let value = Double(text), value > 0, value <= 1000 else {
            throw field.error("must be a number above 0 and at most 1000 (got \(ConfigError.quoted(text)))")
        }
        return value
    }
}
