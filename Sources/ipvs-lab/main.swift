// ipvs-lab: drives the IPVS API from lab scenarios and benchmarks (Checks/scenarios/1*-ipvs-*.sh,
// Checks/bench/ipvs-bench.sh), for what `drcheck ipvs` does not expose: probe services, an update from a stale
// read, and timings. Prints one result line per step; exit 1 on an IPVS error (its message printed), 2 on usage.
import Daemon
import Glibc
import IPVS
import Primitives

let usage = """
    usage: ipvs-lab probe-create MARK RIP
           ipvs-lab probe-delete MARK ipv4|ipv6
           ipvs-lab stale-weight SERVICE RIP:PORT WEIGHT   (reads, waits for a line on stdin, then writes)
           ipvs-lab watch   (one client; for each line on stdin, the table's size or the error)
           ipvs-lab bench-dump RUNS
           ipvs-lab bench-weights SERVICE COUNT
    """

func fail(_ message: String, status: Int32) -> Never {
    print(message)
    exit(status)
}

func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let value = Double(seconds) * 1000 + Double(attoseconds) / 1e15
    return String(Int((value * 10).rounded())).withDecimalPoint
}

extension String {
    /// "1234" (tenths) as "123.4".
    var withDecimalPoint: String { count < 2 ? "0.\(self)" : "\(dropLast()).\(suffix(1))" }
}

func run(_ arguments: [String]) throws(IPVSError) {
    let client = try IPVSClient()
    switch (arguments.first, arguments.count) {
    case ("probe-create", 3):
        guard let mark = UInt32(arguments[1]), let address = IPAddress(arguments[2]) else { fail(usage, status: 2) }
        try ProbeServices(ipvs: client).make(mark: mark, server: address)
        print("created fwmark \(mark) -> \(address)")
    case ("probe-delete", 3):
        guard let mark = UInt32(arguments[1]),
            let family = AddressFamily(named: arguments[2])
        else { fail(usage, status: 2) }
        try ProbeServices(ipvs: client).delete(.fwmark(mark, family: family))
        print("deleted fwmark \(mark) \(family)")
    case ("stale-weight", 4):
        guard let key = ServiceKey(arguments[1]), let server = Endpoint(arguments[2], allowPortZero: true),
            let weight = Int32(arguments[3])
        else { fail(usage, status: 2) }
        guard let read = try client.destinations(of: key).first(where: { $0.endpoint == server })
        else { fail("not found", status: 1) }
        print("read weight \(read.weight)")
        fflush(nil)  // the scenario waits for this line before deleting
        _ = readLine()
        try client.setWeight(weight, of: read, in: key)
        print("ok")
    case ("watch", 1):
        while readLine() != nil {
            do {
                let table = try client.table()
                print("\(table.count) services, \(table.reduce(0) { $0 + $1.destinations.count }) destinations")
            } catch {
                print("error: \(error)")
            }
            fflush(nil)
        }
    case ("bench-dump", 2):
        guard let runs = Int(arguments[1]) else { fail(usage, status: 2) }
        for run in 1...max(1, runs) {
            let start = ContinuousClock.now
            let count = try client.table().reduce(0) { $0 + $1.destinations.count }
            let elapsed = ContinuousClock.now - start
            print("dump \(run): \(count) destinations in \(milliseconds(elapsed)) ms")
        }
    case ("bench-weights", 3):
        guard let key = ServiceKey(arguments[1]), let count = Int(arguments[2]) else { fail(usage, status: 2) }
        let destinations = try client.destinations(of: key)
        guard !destinations.isEmpty else { fail("service has no destinations", status: 1) }
        let start = ContinuousClock.now
        for index in 0..<count {
            try client.setWeight(Int32(index % 100 + 1), of: destinations[index % destinations.count], in: key)
        }
        let elapsed = ContinuousClock.now - start
        print("\(count) weight updates in \(milliseconds(elapsed)) ms")
    default:
        fail(usage, status: 2)
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("error: \(error)", status: 1)
}
