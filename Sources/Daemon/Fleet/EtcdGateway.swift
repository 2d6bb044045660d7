import FoundationEssentials
import Primitives
import Probe

/// etcd's v3 API through its HTTP/JSON gateway (etcd 3.4 serves it on its client port): a POST of a JSON document a
/// call, keys and values in base64, 64-bit numbers as strings. It needs nothing but the probe engine's libcurl,
/// on the same loop, where gRPC would need an HTTP/2 stream client and protobuf (OPERATIONS.md "An ECMP fleet").
enum EtcdGateway {
    /// One call's bound: a store that answers slower is as good as gone for the fleet.
    static let timeout: Duration = .seconds(1)
    /// The fleet's verdicts at 10,000 servers a director take about 800 KB in base64.
    static let answerLimit = 64 << 20

    /// A call that failed: the store's own error, or no usable answer.
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// A key and its value, with the lease it lives under ("0": none) and the store's revision of its last change.
    struct Entry: Equatable {
        var key: String
        var value: [UInt8]
        var lease: String
        var revision: String
    }

    static func grant(_ endpoint: Endpoint, ttl: Duration) -> NetworkCheck? {
        call(endpoint, "/v3/lease/grant", #"{"TTL":"\#(ttl.components.seconds)"}"#)
    }

    static func keepAlive(_ endpoint: Endpoint, lease: String) -> NetworkCheck? {
        call(endpoint, "/v3/lease/keepalive", #"{"ID":"\#(lease)"}"#)
    }

    static func put(_ endpoint: Endpoint, key: String, value: [UInt8], lease: String) -> NetworkCheck? {
        call(
            endpoint, "/v3/kv/put",
            #"{"key":"\#(base64(Array(key.utf8)))","value":"\#(base64(value))","lease":"\#(lease)"}"#)
    }

    /// Every key that begins with `prefix`, with its lease and revision but without its value.
    static func keys(_ endpoint: Endpoint, prefix: String) -> NetworkCheck? {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        return call(
            endpoint, "/v3/kv/range",
            #"{"key":"\#(base64(Array(prefix.utf8)))","range_end":"\#(base64(end))","keys_only":true}"#)
    }

    /// One key, with its value.
    static func get(_ endpoint: Endpoint, key: String) -> NetworkCheck? {
        call(endpoint, "/v3/kv/range", #"{"key":"\#(base64(Array(key.utf8)))"}"#)
    }

    /// The lease a grant made.
    static func granted(_ result: ProbeResult) throws(Failure) -> String {
        guard let id = try decode(Grant.self, result).id, !id.isEmpty else {
            throw Failure(description: "no lease granted")
        }
        return id
    }

    /// Whether the lease is still alive: etcd answers a lease it no longer has without a TTL.
    static func keptAlive(_ result: ProbeResult) throws(Failure) -> Bool {
        (Int(try decode(KeepAlive.self, result).result?.ttl ?? "0") ?? 0) > 0
    }

    /// A put done (a lease that expired meanwhile is the store's error "requested lease not found").
    static func stored(_ result: ProbeResult) throws(Failure) {
        _ = try decode(Empty.self, result)
    }

    static func entries(_ result: ProbeResult) throws(Failure) -> [Entry] {
        try (decode(Range.self, result).kvs ?? []).map { kv throws(Failure) in
            guard let key = Data(base64Encoded: kv.key), let value = Data(base64Encoded: kv.value ?? "") else {
                throw Failure(description: "a key or value not in base64")
            }
            return Entry(
                key: String(decoding: key, as: UTF8.self), value: Array(value), lease: kv.lease ?? "0",
                revision: kv.revision ?? "")
        }
    }

    private static func call(_ endpoint: Endpoint, _ path: String, _ json: String) -> NetworkCheck? {
        var check = try? NetworkCheck(
            address: endpoint.address, port: endpoint.port, path: path, expectedStatus: StatusRanges([200...599]),
            timeout: timeout, headers: ["Content-Type: application/json"])
        check?.requestBody = Array(json.utf8)
        check?.bodyKept = answerLimit
        return check
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// The answer's document, or the store's error in it, or why there is none.
    private static func decode<T: Decodable>(_ type: T.Type, _ result: ProbeResult) throws(Failure) -> T {
        guard result.isOK, let body = result.body else {
            // The class alone: libcurl's words carry timings ("after 2 ms"), which would make each failure a new one.
            throw Failure(description: result.probeClass.rawValue)
        }
        let decoder = JSONDecoder()
        if let error = try? decoder.decode(StoreError.self, from: Data(body)), let message = error.error {
            throw Failure(description: "etcd: \(message)")
        }
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch {
            throw Failure(description: "status \(result.status ?? 0), not etcd's answer")
        }
    }

    // The gateway's documents, with etcd's field names.
    private struct StoreError: Decodable { var error: String? }
    private struct Empty: Decodable {}
    private struct Grant: Decodable {
        var id: String?
        enum CodingKeys: String, CodingKey { case id = "ID" }
    }
    private struct KeepAlive: Decodable {
        struct Result: Decodable {
            var ttl: String?
            enum CodingKeys: String, CodingKey { case ttl = "TTL" }
        }
        var result: Result?
    }
    private struct Range: Decodable {
        struct KV: Decodable {
            var key: String
            var value: String?
            var lease: String?
            var revision: String?
            enum CodingKeys: String, CodingKey {
                case key, value, lease
                case revision = "mod_revision"
            }
        }
        var kvs: [KV]?
    }
}
