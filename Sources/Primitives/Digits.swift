extension Substring {
    /// One or more ASCII digits and nothing else: no sign, no spaces, no other scripts' digits.
    public var isDecimalDigits: Bool { !isEmpty && utf8.allSatisfy { (0x30...0x39).contains($0) } }
}
