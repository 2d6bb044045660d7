import Glibc

/// Where the metrics and status server listens: `ADDR:PORT`, `[ADDR6]:PORT` or `unix:/path`.
/// Addresses are numeric; port 0 asks the kernel for a free port.
public enum ListenAddress: Equatable, Sendable, CustomStringConvertible {
    case ipv4(String, port: UInt16)
    case ipv6(String, port: UInt16)
    case unix(path: String)

    public static let `default` = ListenAddress.ipv4("127.0.0.1", port: 9469)

    public init(parsing text: String) throws(ListenAddressError) {
        func fail(_ reason: String) -> ListenAddressError { ListenAddressError(text: text, reason: reason) }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw fail("the unix socket path is empty") }
            guard !path.utf8.contains(0) else { throw fail("the unix socket path contains a NUL byte") }
            guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
                throw fail("the unix socket path is longer than 107 bytes")
            }
            self = .unix(path: path)
            return
        }
        guard let colon = text.lastIndex(of: ":") else {
            throw fail("must be ADDR:PORT, [ADDR6]:PORT or unix:/path")
        }
        let host = text[..<colon]
        let portText = text[text.index(after: colon)...]
        guard portText.allSatisfy({ ("0"..."9").contains($0) }), let port = UInt16(portText) else {
            throw fail("the port \"\(portText)\" is not a number from 0 to 65535")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") && host.count >= 2 {
            let address = String(host.dropFirst().dropLast())
            guard IPAddress(address)?.family == .ipv6 else { throw fail("\"\(address)\" is not an IPv6 address") }
            self = .ipv6(address, port: port)
        } else if host.contains(":") {
            throw fail("an IPv6 address needs brackets, as in [::1]:\(port)")
        } else if host.isEmpty {
            throw fail("the address is missing (use 0.0.0.0:\(port) or [::]:\(port) for every address)")
        } else {
            guard IPAddress(String(host))?.family == .ipv4 else {
                throw fail("\"\(host)\" is not a numeric IPv4 address")
            }
            self = .ipv4(String(host), port: port)
        }
    }

    public var description: String {
        switch self {
        case .ipv4(let address, let port): "\(address):\(port)"
        case .ipv6(let address, let port): "[\(address)]:\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }
}

public struct ListenAddressError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    /// What is wrong with `text`, for a config error that names the file, line and key itself.
    public var reason: String

    public init(text: String, reason: String) { (self.text, self.reason) = (text, reason) }

    public var description: String { "invalid listen address \"\(text)\": \(reason)" }
}
