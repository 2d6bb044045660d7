/// The parts of a request head the server acts on.
struct HTTPRequestHead: Equatable {
    var method: String
    /// The target's path, without query or fragment.
    var path: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    /// The `Connection` header's options, lowercased.
    var connectionOptions: [String] = []
    var hasBody = false
    /// `Accept-Encoding` names gzip with a quality above 0.
    var acceptsGzip = false

    /// HTTP/1.1 keeps the connection unless asked to close; HTTP/1.0 closes unless asked to keep it.
    var keepAlive: Bool {
        minorVersion == 1 ? !connectionOptions.contains("close") : connectionOptions.contains("keep-alive")
    }
}

enum HTTPParseResult: Equatable {
    /// More bytes are needed.
    case incomplete
    /// A request head of `length` bytes starts the buffer.
    case request(HTTPRequestHead, length: Int)
    /// The bytes cannot become an acceptable request; answer with the status and close.
    case invalid(HTTPStatus)
}
