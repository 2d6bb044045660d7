import EventLoop
import Foundation
import Probe

/// etcd's JSON gateway as `EtcdGateway` uses it (lease grant and keepalive, put, range of a prefix), in memory on the
/// loop's clock: leases expire, and the keys under them with them. `up` false refuses every call.
final class FakeEtcd {
    private let loop: EventLoop
    var up = true
    /// Each lease's expiry, by ID.
    private(set) var leases: [String: Monotonic] = [:]
    private(set) var values: [String: (value: [UInt8], lease: String, revision: Int)] = [:]
    private var revision = 1
    private var refusals = 0
    /// The values read one key at a time.
    private(set) var valuesRead: [String] = []
    private var nextLease = 7_587_899_424_644_641_797

    init(loop: EventLoop) { self.loop = loop }

    /// Puts `value` at `key` under a lease that never expires (another director's).
    func set(_ key: String, _ value: [UInt8]) { put(key, value, lease: "1") }

    private func put(_ key: String, _ value: [UInt8], lease: String) {
        revision += 1
        values[key] = (value, lease, revision)
    }

    func remove(_ key: String) { values[key] = nil }

    /// Loses every lease and the keys under them (a store rebuilt from nothing).
    func forgetLeases() {
        leases = [:]
        values = values.filter { $0.value.lease == "1" }
    }

    func text(_ key: String) -> String? { values[key].map { String(decoding: $0.value, as: UTF8.self) } }

    func answer(_ check: NetworkCheck) -> ProbeResult {
        refusals += up ? 0 : 1
        // libcurl's words for it carry a timing, different each time.
        guard up else {
            return ProbeResult(.connectRefused, duration: .milliseconds(1), detail: "refused after \(refusals) ms")
        }
        expire()
        let request = (try? JSONSerialization.jsonObject(with: Data(check.requestBody ?? []))) as? [String: Any]
        let body = (request ?? [:]).compactMapValues { $0 as? String }
        let keysOnly = request?["keys_only"] as? Bool == true
        switch check.path {
        case "/v3/lease/grant":
            nextLease += 1
            leases[String(nextLease)] = loop.now() + .seconds(Int(body["TTL"] ?? "0") ?? 0)
            return Self.json(#"{"ID":"\#(nextLease)","TTL":"\#(body["TTL"] ?? "0")"}"#)
        case "/v3/lease/keepalive":
            let id = body["ID"] ?? ""
            guard leases[id] != nil else { return Self.json(#"{"result":{"ID":"\#(id)"}}"#) }
            leases[id] = loop.now() + .seconds(10)
            return Self.json(#"{"result":{"ID":"\#(id)","TTL":"10"}}"#)
        case "/v3/kv/put":
            let lease = body["lease"] ?? "0"
            guard leases[lease] != nil else {
                return Self.json(#"{"error":"etcdserver: requested lease not found","code":5}"#, status: 404)
            }
            put(Self.decoded(body["key"]), Array(Data(base64Encoded: body["value"] ?? "") ?? Data()), lease: lease)
            return Self.json("{}")
        case "/v3/kv/range":
            // A range of keys, or the one key without range_end.
            let from = Self.decoded(body["key"])
            let end = body["range_end"].map { Self.decoded($0) }
            if end == nil { valuesRead.append(from) }
            let kvs = values.keys.sorted().filter { key in end.map { key >= from && key < $0 } ?? (key == from) }.map {
                key in
                let entry = values[key]!
                let (name, value) = (Data(key.utf8).base64EncodedString(), Data(entry.value).base64EncodedString())
                let valued = keysOnly ? "" : #","value":"\#(value)""#
                return #"{"key":"\#(name)"\#(valued),"lease":"\#(entry.lease)","mod_revision":"\#(entry.revision)"}"#
            }
            return Self.json(kvs.isEmpty ? "{}" : #"{"kvs":[\#(kvs.joined(separator: ","))]}"#)
        default:
            return Self.json(#"{"error":"Not Found","code":5}"#, status: 404)
        }
    }

    private func expire() {
        let now = loop.now()
        let gone = Set(leases.filter { $0.value <= now }.keys)
        for id in gone { leases[id] = nil }
        values = values.filter { !gone.contains($0.value.lease) }
    }

    private static func decoded(_ base64: String?) -> String {
        String(decoding: Data(base64Encoded: base64 ?? "") ?? Data(), as: UTF8.self)
    }

    private static func json(_ text: String, status: Int = 200) -> ProbeResult {
        var result = ProbeResult(.ok, duration: .milliseconds(2), status: status)
        result.body = Array(text.utf8)
        return result
    }
}
