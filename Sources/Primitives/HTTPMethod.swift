/// The HTTP method of a check's request: GET (the default), HEAD (no body sent back), OPTIONS.
public enum HTTPMethod: String, Hashable, Sendable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case options = "OPTIONS"
}

/// A request header's text: one line (tabs allowed, no other control character), so that it cannot end the header
/// early and start another.
public func isHeaderText(_ text: some StringProtocol) -> Bool {
    text.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f || $0 == 0x09 }
}
