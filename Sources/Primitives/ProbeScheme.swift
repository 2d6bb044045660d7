/// How a probe talks to a server: an HTTP or HTTPS request, or a TCP connect and nothing more (libcurl's
/// CONNECT_ONLY: ok once the handshake completes). The config's `scheme` names the first two; `type: tcp` the last.
public enum ProbeScheme: String, Hashable, Sendable, CaseIterable {
    case http
    case https
    case tcp
}
