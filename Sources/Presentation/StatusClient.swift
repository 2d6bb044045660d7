import Glibc
import Primitives

/// Asks a running daemon for one of its pages over a plain blocking socket (for `drcheck status`, not the loop).
public enum StatusClient {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// Nothing answers at the address: the daemon is not running there.
        case notRunning(String)
        /// Something answered, but not with the page.
        case badAnswer(String)

        public var description: String {
            switch self {
            case .notRunning(let text), .badAnswer(let text): text
            }
        }
    }

    /// The body of a 200 answer to `GET path`.
    public static func get(_ path: String, from address: ListenAddress, timeout: Duration = .seconds(5))
        throws(Failure) -> [UInt8]
    {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .notRunning("cannot reach drcheck at \(address): \(errorText())") }
        defer { close(fd) }
        // On Linux the send timeout bounds connect() too.
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            let reason = errno == ECONNREFUSED || errno == ENOENT ? "nothing listens there" : errorText()
            throw .notRunning("drcheck is not running at \(address) (\(reason))")
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: drcheck\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else { throw .badAnswer("cannot send the request to \(address): \(errorText())") }
        return try body(of: readAll(fd, address), from: address)
    }

    private static func readAll(_ fd: Int32, _ address: ListenAddress) throws(Failure) -> [UInt8] {
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 {
                answer += chunk.prefix(count)
            } else if count == 0 {
                return answer
            } else if errno != EINTR {
                throw .badAnswer("no complete answer from \(address): \(errorText())")
            }
        }
    }

    private static func body(of answer: [UInt8], from address: ListenAddress) throws(Failure) -> [UInt8] {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = answer.indices.first(where: { answer[$0...].starts(with: separator) }) else {
            throw .badAnswer("\(address) did not answer HTTP (is it drcheck?)")
        }
        let statusLine = String(decoding: answer.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.1 200 ") || statusLine.hasPrefix("HTTP/1.0 200 ") else {
            throw .badAnswer("\(address) answered \"\(statusLine.prefix(80))\"")
        }
        return Array(answer[(end + separator.count)...])
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
