import Glibc

/// A response on its way out: head and body sent as one stream, a bounded amount per call.
struct WireBytes {
    enum Progress {
        /// Everything is sent.
        case done
        /// The socket takes no more now: wait until it is writable.
        case blocked
        /// This call's share is sent; more remains for the next turn of the loop.
        case yielded
        /// The connection is broken.
        case failed
    }

    private var head: [UInt8]
    private var body: [UInt8]
    private var sent = 0

    init(head: [UInt8], body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// At most this much per call, so that one large response does not hold the loop while the kernel copies it.
    static let slice = 256 * 1024

    /// Sends up to `slice` bytes on `fd`; EINTR is retried, EAGAIN reported as `.blocked`.
    mutating func send(to fd: Int32) -> Progress {
        var budget = Self.slice
        while sent < head.count + body.count {
            let count = head.withUnsafeBytes { head in
                body.withUnsafeBytes { body in
                    let headPart = UnsafeRawBufferPointer(rebasing: head[min(sent, head.count)...])
                    let bodyPart = UnsafeRawBufferPointer(rebasing: body[max(0, sent - head.count)...])
                    var vectors = [
                        iovec(
                            iov_base: UnsafeMutableRawPointer(mutating: headPart.baseAddress), iov_len: headPart.count),
                        iovec(
                            iov_base: UnsafeMutableRawPointer(mutating: bodyPart.baseAddress),
                            iov_len: min(bodyPart.count, max(0, budget - headPart.count))),
                    ]
                    return vectors.withUnsafeMutableBufferPointer { vectors in
                        var message = msghdr()
                        message.msg_iov = vectors.baseAddress
                        message.msg_iovlen = vectors.count
                        // MSG_NOSIGNAL: a peer gone away is an EPIPE here, not a SIGPIPE for the whole process.
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if count > 0 {
                sent += count
                budget -= count
                if budget <= 0 && sent < head.count + body.count { return .yielded }
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .blocked
            } else {
                return .failed
            }
        }
        return .done
    }
}
