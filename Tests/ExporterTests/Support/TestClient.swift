import Foundation
import Glibc
import Primitives

@testable import Exporter

/// A raw HTTP client socket whose waits pump the harness's loop, so client and server share the test's thread.
final class TestClient {
    struct Response: Equatable {
        var statusLine: String
        var headers: [String: String]
        var body: String
        /// The body as sent, for one that is not text (gzip).
        var bytes: [UInt8]
    }

    /// A body far larger than what loopback socket buffers hold, for clients that do not read.
    static let largeBody = [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 20)

    let fd: Int32
    private let harness: ServerHarness
    private var received: [UInt8] = []
    private(set) var closedByServer = false

    init(to address: ListenAddress, harness: ServerHarness) {
        self.harness = harness
        fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        // A small receive window, so that a client that does not read blocks the server's writes soon.
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let connected = address.withSockaddr { Glibc.connect(fd, $0, $1) } == 0
        precondition(connected, "connect to \(address): \(String(cString: strerror(errno)))")
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { Glibc.close(fd) }

    /// Sends as much as the socket takes now; returns the number of bytes sent.
    @discardableResult
    func send(_ text: String) -> Int { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { break }
            sent += count
        }
        return sent
    }

    /// The next response; `bodyExpected` false for HEAD. Nil if none arrived in time.
    func response(bodyExpected: Bool = true) -> Response? {
        var parsed: (Response, Int)?
        harness.pump {
            readAvailable()
            parsed = Self.parse(received, bodyExpected: bodyExpected)
            return parsed != nil || closedByServer
        }
        guard let (response, length) = parsed else { return nil }
        received.removeFirst(length)
        return response
    }

    /// Waits until the server closes the connection; true if it did within `limit`.
    func waitForClose(within limit: Duration = .seconds(5)) -> Bool {
        harness.pump(for: limit) {
            readAvailable()
            return closedByServer
        }
    }

    /// Bytes from the server wait unread.
    var hasDataWaiting: Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 1
    }

    private func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count > 0 {
                received += chunk.prefix(count)
            } else {
                if count == 0 || (errno != EAGAIN && errno != EINTR) { closedByServer = true }
                return
            }
        }
    }

    private static func parse(_ bytes: [UInt8], bodyExpected: Bool) -> (Response, Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard
            let end = (0...max(0, bytes.count - 4)).first(where: {
                Array(bytes[$0..<min($0 + 4, bytes.count)]) == separator
            })
        else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        let length = bodyExpected ? Int(headers["content-length"] ?? "0")! : 0
        guard bytes.count >= end + 4 + length else { return nil }
        let body = Array(bytes[(end + 4)..<(end + 4 + length)])
        return (
            Response(statusLine: lines[0], headers: headers, body: String(decoding: body, as: UTF8.self), bytes: body),
            end + 4 + length
        )
    }
}
