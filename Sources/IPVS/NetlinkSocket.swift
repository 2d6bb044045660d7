import CNetlink
import Glibc

/// How a request failed before IPVS could interpret it: the kernel's errno, or libnl's own NLE_* code.
enum RequestFailure: Error {
    case kernel(errno: Int32)
    case netlink(operation: String, code: Int32)
    case reply(IPVSError)
}

/// The genlmsghdr before a generic netlink message's attributes (GENL_HDRLEN, a macro Swift does not import).
let genericHeaderLength = MemoryLayout<genlmsghdr>.size

/// One netlink reply message: the fixed header its family puts before the attributes (genlmsghdr, ndtmsg, ndmsg)
/// and the attributes. Its bytes are libnl's: valid only inside the call that receives it.
struct NetlinkReply {
    let header: UnsafeRawBufferPointer
    let attributes: NetlinkAttributes
}

/// One persistent, close-on-exec netlink socket through libnl (generic netlink for IPVS, rtnetlink for the
/// neighbour tables); requests are synchronous.
final class NetlinkSocket {
    private let socket: OpaquePointer

    init(protocol: Int32 = NETLINK_GENERIC) throws(IPVSError) {
        guard let socket = nl_socket_alloc() else { throw .netlink(operation: "nl_socket_alloc", code: NLE_NOMEM) }
        self.socket = socket
        let status = nl_connect(socket, `protocol`)
        guard status == 0 else {
            nl_socket_free(socket)
            throw .netlink(operation: "nl_connect", code: -status)
        }
        // libnl 3.x opens it with SOCK_CLOEXEC; set it anyway: no child process may inherit IPVS access.
        _ = fcntl(nl_socket_get_fd(socket), F_SETFD, FD_CLOEXEC)
        // Size each read from the kernel's message instead of a fixed buffer, so a large dump part is never cut.
        nl_socket_enable_msg_peek(socket)
    }

    deinit { nl_socket_free(socket) }

    var fileDescriptor: Int32 { nl_socket_get_fd(socket) }

    /// The family's id, or nil when the kernel has no such family.
    func resolve(family name: String) throws(IPVSError) -> Int32? {
        let id = genl_ctrl_resolve(socket, name)
        if id >= 0 { return id }
        if -id == NLE_OBJ_NOTFOUND { return nil }
        throw .netlink(operation: "resolving family \(name)", code: -id)
    }

    /// Sends a generic netlink `request` and hands each reply's attributes to `onReply`.
    func perform(
        _ request: NetlinkRequest, onReply: @escaping (NetlinkAttributes) throws(IPVSError) -> Void = { _ in }
    ) throws(RequestFailure) {
        try perform(request.message, named: request.command) { (reply) throws(IPVSError) in
            try onReply(reply.attributes)
        }
    }

    /// Sends `message` and reads every reply until the kernel's ACK, NLMSG_DONE or error, handing each one, its
    /// first `headerLength` bytes apart, to `onReply`. A reply `onReply` rejects does not stop the reading, so the
    /// socket stays in step.
    func perform(
        _ message: OpaquePointer, named name: String, headerLength: Int = genericHeaderLength,
        onReply: @escaping (NetlinkReply) throws(IPVSError) -> Void
    ) throws(RequestFailure) {
        let receiver = Receiver(headerLength: headerLength, onReply)
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            throw .netlink(operation: "nl_cb_alloc", code: NLE_NOMEM)
        }
        defer { nl_cb_put(callbacks) }
        let context = Unmanaged.passUnretained(receiver).toOpaque()
        nl_cb_set(
            callbacks, NL_CB_VALID, NL_CB_CUSTOM, { message, context in Receiver.of(context).valid(message) }, context)
        nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, { _, context in Receiver.of(context).finish() }, context)
        nl_cb_set(callbacks, NL_CB_FINISH, NL_CB_CUSTOM, { _, context in Receiver.of(context).finish() }, context)
        nl_cb_err(callbacks, NL_CB_CUSTOM, { _, error, context in Receiver.of(context).error(error) }, context)

        let sent = nl_send_auto(socket, message)
        guard sent >= 0 else { throw .netlink(operation: "sending \(name)", code: -sent) }
        try withExtendedLifetime(receiver) { () throws(RequestFailure) in
            while !receiver.finished {
                let status = nl_recvmsgs(socket, callbacks)
                if receiver.errno != 0 { throw .kernel(errno: receiver.errno) }
                if status < 0 { throw .netlink(operation: "receiving \(name)", code: -status) }
            }
        }
        if let failure = receiver.failure { throw .reply(failure) }
    }
}

/// The state of one request's reading, reached from libnl's C callbacks through an unretained pointer.
final class Receiver {
    let headerLength: Int
    let onReply: (NetlinkReply) throws(IPVSError) -> Void
    var finished = false
    var errno: Int32 = 0
    var failure: IPVSError?

    init(headerLength: Int = genericHeaderLength, _ onReply: @escaping (NetlinkReply) throws(IPVSError) -> Void) {
        self.headerLength = headerLength
        self.onReply = onReply
    }

    static func of(_ context: UnsafeMutableRawPointer?) -> Receiver {
        Unmanaged<Receiver>.fromOpaque(context!).takeUnretainedValue()
    }

    func valid(_ message: OpaquePointer?) -> Int32 {
        let header = nlmsg_hdr(message)
        let payload = UnsafeRawBufferPointer(start: nlmsg_data(header), count: Int(max(0, nlmsg_datalen(header))))
        do throws(IPVSError) {
            guard payload.count >= headerLength else {
                throw .malformedReply("a reply of \(payload.count) bytes, shorter than its \(headerLength)-byte header")
            }
            let attributes = payload[min(payload.count, (headerLength + 3) & ~3)...]
            try onReply(
                NetlinkReply(
                    header: UnsafeRawBufferPointer(rebasing: payload[..<headerLength]),
                    attributes: try NetlinkAttributes(UnsafeRawBufferPointer(rebasing: attributes))))
        } catch {
            failure = failure ?? error
        }
        return Int32(NL_OK.rawValue)
    }

    func finish() -> Int32 {
        finished = true
        return Int32(NL_STOP.rawValue)
    }

    func error(_ error: UnsafeMutablePointer<nlmsgerr>?) -> Int32 {
        // The message carries the errno negated; Int32.min, which no errno is, has no negation and would trap.
        errno = error.flatMap { Int32(exactly: -Int64($0.pointee.error)) } ?? EIO
        finished = true
        return Int32(NL_STOP.rawValue)
    }
}
