import CNetlink

/// One generic netlink request under construction, in a libnl message. libnl's NLA_PUT_* are macros, so this
/// calls the nla_put_* functions they expand to and turns their failure (message full) into an error.
final class NetlinkRequest {
    let message: OpaquePointer
    let command: String

    init(family: Int32, command: UInt8, named name: String, dump: Bool = false) throws(IPVSError) {
        guard let message = nlmsg_alloc() else { throw .netlink(operation: "nlmsg_alloc", code: NLE_NOMEM) }
        self.message = message
        self.command = name
        let flags = dump ? NLM_F_DUMP : 0
        guard
            genlmsg_put(
                message, UInt32(bitPattern: NL_AUTO_PORT), UInt32(bitPattern: NL_AUTO_SEQ), family, 0, flags,
                command, UInt8(IPVS_GENL_VERSION)) != nil
        else { throw .netlink(operation: "genlmsg_put \(name)", code: NLE_NOMEM) }
    }

    deinit { nlmsg_free(message) }

    func put(_ type: Int, u8 value: UInt8) throws(IPVSError) { try check(nla_put_u8(message, Int32(type), value)) }
    func put(_ type: Int, u16 value: UInt16) throws(IPVSError) { try check(nla_put_u16(message, Int32(type), value)) }
    func put(_ type: Int, u32 value: UInt32) throws(IPVSError) { try check(nla_put_u32(message, Int32(type), value)) }
    func put(_ type: Int, string value: String) throws(IPVSError) {
        try check(nla_put_string(message, Int32(type), value))
    }
    func put(_ type: Int, bytes value: [UInt8]) throws(IPVSError) {
        try check(nla_put(message, Int32(type), Int32(value.count), value))
    }

    /// Puts the attributes `body` adds inside a nested attribute of `type`.
    func nest(_ type: Int, _ body: (NetlinkRequest) throws(IPVSError) -> Void) throws(IPVSError) {
        guard let start = nla_nest_start(message, Int32(type)) else {
            throw .netlink(operation: "nla_nest_start \(command)", code: NLE_NOMEM)
        }
        try body(self)
        try check(nla_nest_end(message, start))
    }

    /// The generic netlink payload after the genlmsghdr: the request's attributes as the kernel will parse them.
    var attributeBytes: [UInt8] {
        let header = genlmsg_hdr(nlmsg_hdr(message))
        let length = Int(genlmsg_attrlen(header, 0))
        return Array(UnsafeRawBufferPointer(start: genlmsg_attrdata(header, 0), count: length))
    }

    private func check(_ status: Int32) throws(IPVSError) {
        if status < 0 { throw .netlink(operation: "building \(command)", code: -status) }
    }
}
