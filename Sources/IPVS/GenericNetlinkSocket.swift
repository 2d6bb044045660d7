import CNetlink
import Glibc

/// How a request failed before IPVS could interpret it: the kernel's errno, or libnl's own NLE_* code.
enum RequestFailure: Error {
    case kernel(errno: Int32)
    case netlink(operation: String, code: Int32)
    case reply(IPVSError)
}

/// One persistent, close-on-exec generic netlink socket through libnl; requests are synchronous.
final class GenericNetlinkSocket {
    private let socket: OpaquePointer

    init() throws(IPVSError) {
        guard let socket = nl_socket_alloc() else { throw .netlink(operation: "nl_socket_alloc", code: NLE_NOMEM) }
        self.socket = socket
        let status = genl_connect(socket)
        guard status == 0 else {
            nl_socket_free(socket)
            throw .netlink(operation: "genl_connect", code: -status)
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

    /// Sends `request` and reads every reply until the kernel's ACK, NLMSG_DONE or error, handing each reply's
    /// attributes to `onReply`. A reply `onReply` rejects does not stop the reading, so the socket stays in step.
    func perform(
        _ request: NetlinkRequest, onReply: @escaping (NetlinkAttributes) throws(IPVSError) -> Void = { _ in }
    ) throws(RequestFailure) {
        let receiver = Receiver(onReply)
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

        let sent = nl_send_auto(socket, request.message)
        guard sent >= 0 else { throw .netlink(operation: "sending \(request.command)", code: -sent) }
        try withExtendedLifetime(receiver) { () throws(RequestFailure) in
            while !receiver.finished {
                let status = nl_recvmsgs(socket, callbacks)
                if receiver.errno != 0 { throw .kernel(errno: receiver.errno) }
                if status < 0 { throw .netlink(operation: "receiving \(request.command)", code: -status) }
            }
        }
        if let failure = receiver.failure { throw .reply(failure) }
    }
}

/// The state of one request's reading, reached from libnl's C callbacks through an unretained pointer.
final class Receiver {
    let onReply: (NetlinkAttributes) throws(IPVSError) -> Void
    var finished = false
    var errno: Int32 = 0
    var failure: IPVSError?

    init(_ onReply: @escaping (NetlinkAttributes) throws(IPVSError) -> Void) { self.onReply = onReply }

    static func of(_ context: UnsafeMutableRawPointer?) -> Receiver {
        Unmanaged<Receiver>.fromOpaque(context!).takeUnretainedValue()
    }

    func valid(_ message: OpaquePointer?) -> Int32 {
        let header = genlmsg_hdr(nlmsg_hdr(message))
        let attributes = UnsafeRawBufferPointer(
            start: genlmsg_attrdata(header, 0), count: Int(max(0, genlmsg_attrlen(header, 0))))
        do {
            try onReply(try NetlinkAttributes(attributes))
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
