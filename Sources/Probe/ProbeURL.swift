import Primitives

/// A URL as an operator writes it for a one-off probe: http(s) with scheme, host, optional port, path;
/// tcp://HOST:PORT for a connect check; udp://HOST:PORT or dns://HOST[:PORT] for a UDP check.
public struct ProbeURL: Equatable, Sendable {
    public enum Datagram: String, Sendable {
        case udp, dns
    }

    public var scheme: ProbeScheme
    /// udp:// and dns://, which libcurl does not run (`scheme` is then tcp, of no use).
    public var datagram: Datagram?
    /// The host as written, without IPv6 brackets.
    public var host: String
    public var port: UInt16
    /// The path and query, "/" when the URL has none.
    public var path: String

    public init(_ text: String) throws(NetworkCheck.InvalidError) {
        let invalid = NetworkCheck.InvalidError(
            description:
                "URL \"\(text)\" is not http(s)://HOST[:PORT][/PATH], tcp://HOST:PORT, udp://HOST:PORT or dns://HOST[:PORT]"
        )
        guard let schemeEnd = text.firstRange(of: "://") else { throw invalid }
        let name = text[..<schemeEnd.lowerBound].lowercased()
        datagram = Datagram(rawValue: name)
        guard let scheme = datagram == nil ? ProbeScheme(rawValue: name) : .tcp else { throw invalid }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let path = rest[authority.endIndex...]
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid }
                port = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty, !authority.contains("@") else { throw invalid }
        self.scheme = scheme
        self.host = String(host)
        if let port {
            guard let number = UInt16(port), number > 0 else { throw invalid }
            self.port = number
        } else if datagram == .dns {
            self.port = 53
        } else {
            guard scheme != .tcp else { throw invalid }
            self.port = scheme == .https ? 443 : 80
        }
        guard datagram == nil || path.isEmpty else { throw invalid }
        self.path = path.isEmpty ? "/" : (path.hasPrefix("?") ? "/" + path : String(path))
    }
}
