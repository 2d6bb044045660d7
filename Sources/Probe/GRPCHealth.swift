/// gRPC's health checking protocol (grpc.health.v1.Health/Check) as bytes: the request message in its gRPC frame,
/// and the judgment of the answer, from the HTTP/2 status, the grpc-status trailer and the HealthCheckResponse.
/// Hand-written protobuf: two fields, no library.
enum GRPCHealth {
    static let path = "/grpc.health.v1.Health/Check"

    /// A HealthCheckRequest for `service` (empty: the server as a whole) in a gRPC frame: not compressed, its length
    /// in four bytes, the message (field 1, the service's name).
    static func request(service: String) -> [UInt8] {
        let name = Array(service.utf8)
        let message = name.isEmpty ? [] : [0x0a] + varint(UInt64(name.count)) + name
        let length = UInt32(message.count)
        return [0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
            + message
    }

    /// The probe's verdict: SERVING passes; every other answer is classified with what the server said.
    static func judge(status: Int, grpcStatus: Int?, grpcMessage: String?, body: [UInt8]) -> (ProbeClass, String) {
        guard status == 200 else { return (.httpStatus, "status \(status), expected 200 from a gRPC server") }
        guard let grpcStatus else { return (.protocolError, "no grpc-status in the answer") }
        guard grpcStatus == 0 else {
            let name = grpcStatus < codes.count ? " (\(codes[grpcStatus]))" : ""
            let message = grpcMessage.map { ": \($0)" } ?? ""
            return (.bodyMismatch, "grpc-status \(grpcStatus)\(name)\(message)")
        }
        guard body.count >= 5 else { return (.protocolError, "no HealthCheckResponse in the answer") }
        guard body[0] == 0 else { return (.protocolError, "a compressed HealthCheckResponse") }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard body.count - 5 >= length else { return (.protocolError, "a HealthCheckResponse cut short") }
        guard let serving = servingStatus(body[5..<5 + length]) else {
            return (.protocolError, "a malformed HealthCheckResponse")
        }
        guard serving != 1 else { return (.ok, "") }
        let names: [UInt64: String] = [0: "UNKNOWN", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"]
        return (.bodyMismatch, names[serving].map { "the server says \($0)" } ?? "serving status \(serving)")
    }

    /// The HealthCheckResponse's status (field 1, a varint; 0 when absent), nil when the message does not parse.
    static func servingStatus(_ message: ArraySlice<UInt8>) -> UInt64? {
        var rest = message
        var status: UInt64 = 0
        while !rest.isEmpty {
            guard let key = readVarint(&rest) else { return nil }
            switch key & 7 {
            case 0:
                guard let value = readVarint(&rest) else { return nil }
                if key >> 3 == 1 { status = value }
            case 1, 5:
                let size = key & 7 == 1 ? 8 : 4
                guard rest.count >= size else { return nil }
                rest.removeFirst(size)
            case 2:
                guard let size = readVarint(&rest), size <= rest.count else { return nil }
                rest.removeFirst(Int(size))
            default:
                return nil
            }
        }
        return status
    }

    private static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            bytes.append(UInt8(value & 0x7f) | (value > 0x7f ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return bytes
    }

    private static func readVarint(_ bytes: inout ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = bytes.popFirst() else { return nil }
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }

    /// gRPC's status codes by number.
    private static let codes = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]
}
