import EventLoop
import Glibc
import IPVS
import Primitives

/// `drcheck drain --wait`: follows a drained destination's active connections in the kernel until none is left or
/// the timeout passes; a live line on a terminal, a plain line per change otherwise.
struct ConnectionWait {
    let ipvs: IPVSControl
    let service: ServiceKey
    let server: Endpoint

    /// 0 once no active connection is left, 1 at the timeout with some left.
    func run(timeout: Duration) throws(StartupError) -> Int32 {
        let start = Monotonic.now()
        let live = isatty(STDOUT_FILENO) == 1
        var last: (Int, Int)?
        while true {
            let destination = try DrainTarget.destination(server, in: service, ipvs: ipvs)
            let counts = (Int(destination.activeConnections), Int(destination.inactiveConnections))
            let elapsed = Monotonic.now() - start
            let line = "\(server): \(counts.0) active, \(counts.1) inactive connections after \(Self.seconds(elapsed))"
            if live {
                print("\r\u{1B}[K" + line, terminator: counts.0 == 0 || elapsed >= timeout ? "\n" : "")
                fflush(nil)
            } else if last.map({ $0 != counts }) ?? true {
                print(line)
            }
            last = counts
            if counts.0 == 0 {
                print("\(server): empty")
                return 0
            }
            if elapsed >= timeout {
                print("\(server): \(counts.0) active connections left at the timeout")
                return 1
            }
            usleep(500_000)
        }
    }

    private static func seconds(_ duration: Duration) -> String { "\(duration.nanosecondsClamped / 1_000_000_000)s" }
}
