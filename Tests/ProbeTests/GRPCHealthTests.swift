import Testing

@testable import Probe

/// gRPC's health check as bytes: the request frame, and answers of every kind.
struct GRPCHealthTests {
    /// A HealthCheckResponse with `status` (nil: the field left out, as protobuf does for 0) in a gRPC frame.
    private func frame(_ message: [UInt8]) -> [UInt8] { [0, 0, 0, 0, UInt8(message.count)] + message }

    @Test func theRequestNamesItsServiceInAFrame() {
        #expect(GRPCHealth.request(service: "") == [0, 0, 0, 0, 0])
        #expect(GRPCHealth.request(service: "app.Greeter") == [0, 0, 0, 0, 13, 0x0a, 11] + Array("app.Greeter".utf8))
        let long = String(repeating: "s", count: 200)
        #expect(GRPCHealth.request(service: long).prefix(8) == [0, 0, 0, 0, 203, 0x0a, 0xc8, 0x01])
    }

    @Test func onlySERVINGPasses() {
        #expect(GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([0x08, 1])) == (.ok, ""))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([0x08, 2]))
                == (.bodyMismatch, "the server says NOT_SERVING"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([]))
                == (.bodyMismatch, "the server says UNKNOWN"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([0x08, 3]))
                == (.bodyMismatch, "the server says SERVICE_UNKNOWN"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([0x08, 9]))
                == (.bodyMismatch, "serving status 9"))
        // Fields it does not know are skipped: a varint, a string, fixed 32 and 64 bits.
        let extra: [UInt8] = [0x10, 0x96, 0x01, 0x1a, 2, 0x41, 0x42, 0x25, 1, 2, 3, 4, 0x29, 1, 2, 3, 4, 5, 6, 7, 8]
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame(extra + [0x08, 1])) == (.ok, ""))
    }

    @Test func everyOtherAnswerIsClassified() {
        #expect(
            GRPCHealth.judge(status: 404, grpcStatus: nil, grpcMessage: nil, body: [])
                == (.httpStatus, "status 404, expected 200 from a gRPC server"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: nil, grpcMessage: nil, body: frame([0x08, 1]))
                == (.protocolError, "no grpc-status in the answer"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 12, grpcMessage: "no health service", body: [])
                == (.bodyMismatch, "grpc-status 12 (UNIMPLEMENTED): no health service"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 99, grpcMessage: nil, body: [])
                == (.bodyMismatch, "grpc-status 99"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: [])
                == (.protocolError, "no HealthCheckResponse in the answer"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: [1, 0, 0, 0, 2, 0x08, 1])
                == (.protocolError, "a compressed HealthCheckResponse"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: [0, 0, 0, 0, 9, 0x08, 1])
                == (.protocolError, "a HealthCheckResponse cut short"))
        #expect(
            GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame([0x08, 0x80]))
                == (.protocolError, "a malformed HealthCheckResponse"))
    }

    @Test func randomAnswersNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let message = (0..<Int.random(in: 0...24, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            let (probeClass, _) = GRPCHealth.judge(status: 200, grpcStatus: 0, grpcMessage: nil, body: frame(message))
            #expect([.ok, .protocolError, .bodyMismatch].contains(probeClass))
        }
    }
}
