/// SplitMix64 (Steele, Lea and Flood, 2014): a generator with a fixed seed, so that the fuzz tests try the same
/// cases on every run and a failure names a case that reproduces.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random element; `items` must not be empty.
    public mutating func pick<C: Collection>(_ items: C) -> C.Element {
        items[items.index(items.startIndex, offsetBy: Int.random(in: 0..<items.count, using: &self))]
    }

    /// A string of up to `maxLength` characters drawn from `alphabet`.
    public mutating func string(from alphabet: [Character], maxLength: Int) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &self)).map { _ in pick(alphabet) })
    }

    /// `bytes` after one to four random edits: a bit flipped, a byte set to a boundary value, a run deleted,
    /// duplicated or moved elsewhere, random bytes inserted, or the end cut off.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &self) {
            let at = Int.random(in: 0...bytes.count, using: &self)
            let run = Int.random(in: 0...min(16, bytes.count - at), using: &self)
            switch Int.random(in: 0..<6, using: &self) {
            case 0 where at < bytes.count: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &self)
            case 1 where at < bytes.count: bytes[at] = pick([0, 1, 0x7F, 0x80, 0xFF, 0x0A, 0x0D, 0x20])
            case 2: bytes.removeSubrange(at..<at + run)
            case 3: bytes.insert(contentsOf: bytes[at..<at + run], at: Int.random(in: 0...bytes.count, using: &self))
            case 4: bytes.insert(contentsOf: (0..<run).map { _ in UInt8.random(in: 0...255, using: &self) }, at: at)
            default: bytes.removeSubrange(at...)
            }
        }
        return bytes
    }
}
