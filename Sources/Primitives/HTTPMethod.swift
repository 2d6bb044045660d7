/// The HTTP method of a check's request: GET (the default), HEAD (no body sent back), OPTIONS.
public enum HTTPMethod: String, Hashable, Sendable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case options = "OPTIONS"
}
