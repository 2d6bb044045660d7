import CNetlink
import Glibc
import Primitives

/// An IPVS generic netlink command drcheck sends, and how its errnos read.
struct Command {
    let number: Int
    let name: String

    static let newService = Command(number: IPVS_CMD_NEW_SERVICE, name: "NEW_SERVICE")
    static let delService = Command(number: IPVS_CMD_DEL_SERVICE, name: "DEL_SERVICE")
    static let getService = Command(number: IPVS_CMD_GET_SERVICE, name: "GET_SERVICE")
    static let newDest = Command(number: IPVS_CMD_NEW_DEST, name: "NEW_DEST")
    static let setDest = Command(number: IPVS_CMD_SET_DEST, name: "SET_DEST")
    static let delDest = Command(number: IPVS_CMD_DEL_DEST, name: "DEL_DEST")
    static let getDest = Command(number: IPVS_CMD_GET_DEST, name: "GET_DEST")
    static let getInfo = Command(number: IPVS_CMD_GET_INFO, name: "GET_INFO")

    /// NEW_DEST and SET_DEST take every destination field; the kernel resets what they omit.
    var needsFullDestination: Bool { number == IPVS_CMD_NEW_DEST || number == IPVS_CMD_SET_DEST }

    /// ESRCH means the named service is gone, ENOENT the named destination (only then: NEW_SERVICE also answers
    /// ENOENT for an unknown scheduler).
    func error(_ errno: Int32, service: ServiceKey?, destination: Destination?) -> IPVSError {
        switch (errno, service, destination) {
        case (EPERM, _, _), (EACCES, _, _): .permissionDenied
        case (ESRCH, let service?, _): .serviceGone(service)
        case (ENOENT, let service?, let destination?):
            .destinationGone(service, destination.address, port: destination.port)
        default: .kernel(command: name, errno: errno)
        }
    }
}
