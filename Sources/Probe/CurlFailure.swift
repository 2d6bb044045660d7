import CCurl
import Glibc

/// Maps a failed libcurl transfer to a probe class, using the errno of the last socket call (CURLINFO_OS_ERRNO).
enum CurlFailure {
    /// The errors of a director short of resources (or of its own address): never a server's failure.
    static let localErrnos: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL]

    static func classify(_ code: CURLcode, osErrno: Int32) -> ProbeClass {
        if localErrnos.contains(osErrno), code != CURLE_OPERATION_TIMEDOUT { return .localError }
        // A reset is a reset wherever it surfaces: in the TLS handshake, a send, or a receive.
        if osErrno == ECONNRESET || osErrno == EPIPE, code != CURLE_OPERATION_TIMEDOUT { return .reset }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_CONNECT:
            return osErrno == ECONNREFUSED ? .connectRefused : .connectError
        // libcurl could not allocate: the director's memory. (A header line past libcurl's limit, reported the same
        // way, is told apart before this.)
        case CURLE_OUT_OF_MEMORY:
            return .localError
        // GOT_NOTHING is an orderly close (FIN) before any byte of a response: the server's TCP stack is healthy
        // and the application chose to answer nothing, which is a protocol failure, not a reset. A close that
        // comes as an RST (a crashed process, unread request data) reports ECONNRESET and is classified above.
        case CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_PARTIAL_FILE,
            CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_BAD_CONTENT_ENCODING, CURLE_TOO_MANY_REDIRECTS, CURLE_HTTP3,
            CURLE_QUIC_CONNECT_ERROR:
            return .protocolError
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED, CURLE_SSL_CLIENTCERT:
            return .tlsError
        default:
            // Resolve, bind (CURLOPT_INTERFACE), socket option, resource failures, and send or receive errors other than
            // a reset (unreachable, timed out by the kernel): the network, not the server's HTTP, failed.
            return .connectError
        }
    }
}
