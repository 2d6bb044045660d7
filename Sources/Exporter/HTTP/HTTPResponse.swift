/// A complete response: status, the few headers this server sends, and the body.
struct HTTPResponse: Equatable {
    /// What the `Connection` header says about the connection after this response.
    enum Persistence {
        case close
        /// HTTP/1.1's default: no header needed.
        case keepAlive
        /// An HTTP/1.0 client asked to keep the connection: say yes explicitly.
        case keepAliveHTTP10
    }

    var status: HTTPStatus
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]
    /// The methods a path accepts, for 405.
    var allow: String?
    /// The body is gzip; said with `Vary`, for caches between scraper and server.
    var gzipped = false

    static func plain(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, body: Array((text + "\n").utf8))
    }

    /// The bytes on the wire. A response to HEAD has the headers of GET (Content-Length included) and no body.
    /// The body is not copied: clients of one cached rendering share its storage.
    func wire(headOnly: Bool, persistence: Persistence) -> WireBytes {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        if let allow { head += "Allow: \(allow)\r\n" }
        if gzipped { head += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" }
        switch persistence {
        case .close: head += "Connection: close\r\n"
        case .keepAlive: break
        case .keepAliveHTTP10: head += "Connection: keep-alive\r\n"
        }
        head += "\r\n"
        return WireBytes(head: Array(head.utf8), body: headOnly ? [] : body)
    }
}
