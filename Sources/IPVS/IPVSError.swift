import CNetlink
import Glibc
import Primitives

/// Why an IPVS operation failed; `description` is a one-line message that says what to do.
public enum IPVSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kernel has no "IPVS" generic netlink family: the ip_vs module is not loaded or not built.
    case notAvailable
    /// EPERM/EACCES: every IPVS command, reads included, needs CAP_NET_ADMIN.
    case permissionDenied
    /// ESRCH: the service no longer exists.
    case serviceGone(ServiceKey)
    /// ENOENT: the destination no longer exists in that service.
    case destinationGone(ServiceKey, IPAddress, port: UInt16)
    /// Any other errno the kernel answered `command` with.
    case kernel(command: String, errno: Int32)
    /// libnl failed locally (socket, send, receive); `code` is libnl's NLE_* number.
    case netlink(operation: String, code: Int32)
    /// The kernel's answer (IPVS's or rtnetlink's) lacked an attribute or had one of the wrong size.
    case malformedReply(String)

    public var description: String {
        switch self {
        case .notAvailable:
            "IPVS is not available in this kernel: load it with `modprobe ip_vs`"
        case .permissionDenied:
            "IPVS refused access: every IPVS command, reads included, needs CAP_NET_ADMIN (run as root)"
        case .serviceGone(let service):
            "IPVS service \(service) no longer exists (ESRCH): it was deleted; re-read the table"
        case .destinationGone(let service, let address, let port):
            "IPVS destination \(Endpoint(address: address, port: port)) of \(service) no longer exists (ENOENT): "
                + "it was deleted; re-read the table"
        case .kernel(let command, let errno):
            "IPVS \(command) failed: \(errnoName(errno)) (\(String(cString: strerror(errno))))"
        case .netlink(let operation, let code):
            "netlink \(operation) failed: \(String(cString: nl_geterror(code)))"
        case .malformedReply(let what):
            "the kernel sent a netlink reply drcheck cannot read (\(what)); report this with `uname -r`"
        }
    }
}

/// `EINVAL`; the number when glibc has no name for it.
private func errnoName(_ errno: Int32) -> String {
    guard let name = drcheck_errno_name(errno) else { return "errno \(errno)" }
    return String(cString: name)
}
