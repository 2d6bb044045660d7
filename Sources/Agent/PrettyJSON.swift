/// Writes JSON straight into bytes in the layout of JSONEncoder's `[.prettyPrinted, .sortedKeys]` (two spaces an
/// indent, `" : "` between a key and its value, `/` escaped): the state file is written on every turn that changes
/// a server, and JSONEncoder built a tree of every value first (at 10,000 servers 17 MB of the heap and most of a
/// save's CPU). The caller writes an object's keys in sorted order.
struct PrettyJSON {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Whether the object or array being written has a member yet.
    private var hasMember = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func object(_ members: (inout PrettyJSON) -> Void) {
        container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), members)
    }

    mutating func array(_ elements: (inout PrettyJSON) -> Void) {
        container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), elements)
    }

    /// Starts the next member of an object; its value follows.
    mutating func key(_ name: String) {
        element()
        string(name)
        bytes.append(contentsOf: " : ".utf8)
    }

    /// Starts the next element of an array; its value follows.
    mutating func element() {
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        hasMember = true
        newline()
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes += [UInt8(ascii: "\\"), byte]
            case 0x0a: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0d: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0c: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func number(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// As JSONEncoder writes a Double: its shortest form, without a trailing ".0".
    mutating func number(_ value: Double) {
        let text = value.description
        bytes.append(contentsOf: (text.hasSuffix(".0") ? String(text.dropLast(2)) : text).utf8)
    }

    mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    private mutating func container(open: UInt8, close: UInt8, _ members: (inout PrettyJSON) -> Void) {
        bytes.append(open)
        let outer = hasMember
        depth += 1
        hasMember = false
        members(&self)
        depth -= 1
        // JSONEncoder writes an empty container with an empty line inside.
        if !hasMember { bytes.append(0x0a) }
        newline()
        bytes.append(close)
        hasMember = outer
    }

    private mutating func newline() {
        bytes.append(0x0a)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }
}
