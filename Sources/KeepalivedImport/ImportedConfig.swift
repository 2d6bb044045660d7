import Agent
import Primitives

/// What an import makes of a keepalived configuration: drcheck services with the comments that explain them, the
/// IPVS rules keepalived would build, and the warnings.
public struct ImportedConfig {
    public var source: String
    /// The file's first comments, when not the keepalived import's.
    var header: [String]?
    /// Comments for the head of the file: what was read but belongs to no service (VRRP, skipped lines).
    var notes: [String] = []
    var services: [ImportedService] = []
    public internal(set) var warnings: [ImportWarning] = []
}

extension ImportedConfig {
    /// A service two sections make (a keepalived group and a plain virtual_server, two ldirectord virtuals of one
    /// address) is listed once, the first: drcheck refuses duplicates, and ipvsadm -R makes a service once.
    mutating func leaveOutDuplicates() {
        var listed: Set<ServiceKey> = []
        for index in services.indices where services[index].listed {
            let key = services[index].key
            if !listed.insert(key).inserted {
                services[index].listed = false
                services[index].notes.append("\(key) is already listed above: left out")
            }
        }
    }
}

/// One IPVS service as drcheck lists it (or, when drcheck cannot judge it, as it would, commented out).
struct ImportedService {
    /// The keepalived statement it comes from, e.g. `virtual_server 10.10.10.2 1358 (keepalived.conf:25)`.
    var origin: String
    var key: ServiceKey
    /// False: written commented out; with `discover: false` drcheck leaves the service alone.
    var listed = true
    var notes: [String] = []
    var check: ImportedCheck
    var realServers: [ImportedRealServer] = []
    var sorryServer: ImportedRealServer?
    var rules: ServiceRules
}

/// A service's check in drcheck's keys, each with the comments written above it.
struct ImportedCheck {
    var fields = CheckFields()
    /// Comments by the key they explain ("" for the check as a whole).
    var notes: [String: [String]] = [:]

    mutating func note(_ key: String, _ text: String) { notes[key, default: []].append(text) }
}

/// The settings two real servers' checks must share to be one drcheck check.
struct CheckFields: Equatable {
    var type = CheckType.http
    var interval: Duration = .seconds(60)
    var timeout: Duration = .seconds(5)
    var fall = 2
    /// keepalived's delay_before_retry: how soon a failing server is probed again.
    var fastInterval: Duration?
    var ripMode = false
    var path: String?
    var expectStatus: String?
    var host: String?
    var expectBody: String?
    /// tcp, udp: the pattern the server's first bytes must match (SMTP_CHECK's greeting, UDP_CHECK's reply).
    var expect: String?
    /// udp: UDP_CHECK's payload, as text or as keepalived's hex digits.
    var send: String?
    var sendHex: String?
    var requireReply = true
    /// dns: DNS_CHECK's name and type.
    var queryName = "."
    var queryType = "SOA"
    var port: UInt16?
    var https = false
    var command: [String] = []
    var dynamicWeight = false
    var alpha = false
    var onChange: [String] = []
}

struct ImportedRealServer {
    /// ADDR, ADDR:PORT or [ADDR6]:PORT, as drcheck's `real_servers` takes it.
    var address: String
    var weight: Int?
    var notes: [String] = []
    /// Its own check, where its keepalived checker differs from the service's.
    var check: ImportedCheck?
}

/// What `ipvsadm -R` needs to make a service and its destinations as keepalived does.
struct ServiceRules {
    /// `-t VIP:PORT`, `-u VIP:PORT`, `--sctp-service VIP:PORT` or `-f MARK [-6]`.
    var service: String
    /// `-s rr -p 50` and the like.
    var scheduling: String
    var destinations: [(server: String, method: String, weight: Int)] = []
}
