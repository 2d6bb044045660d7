import EventLoop
import Foundation
import Testing

@testable import Probe

/// HTTPS checks against `openssl s_server` on 127.0.0.1 with a self-signed certificate for probe.test.
struct TLSProbeTests {
    @Test func selfSignedCertificateFailsVerificationAndPassesWithoutIt() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let verified = try probe(port: server.port, tlsVerify: true)
        #expect(verified.probeClass == .tlsError)
        #expect(verified.status == nil)
        let unverified = try probe(port: server.port, tlsVerify: false)
        #expect(unverified.probeClass == .ok)
        #expect(unverified.status == 200)
    }

    private func probe(port: UInt16, tlsVerify: Bool) throws -> ProbeResult {
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        let check = try HTTPCheck(
            scheme: .https, address: "127.0.0.1", port: port, host: "probe.test", tlsVerify: tlsVerify)
        var result: ProbeResult?
        try engine.start(check) { result = $0 }
        try loop.run(until: { result != nil })
        return try #require(result)
    }
}

/// `openssl s_server -www` (a fixed 200 status page) with a fresh certificate in a private temporary folder.
private final class TLSServer {
    let port: UInt16
    private let process = Process()
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = folder.appendingPathComponent("key.pem").path
        let certificate = folder.appendingPathComponent("cert.pem").path
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=probe.test", "-keyout", key, "-out", certificate,
        ])
        port = try LoopbackServer.unusedPort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "s_server", "-quiet", "-www", "-accept", "127.0.0.1:\(port)", "-key", key, "-cert", certificate,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            try waitUntilListening()
        } catch {
            stop()
            throw error
        }
    }

    /// SIGKILL: the test's thread blocks SIGTERM (libdispatch workers do), and the child inherits that mask.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    private func waitUntilListening() throws {
        for _ in 0..<200 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = try SocketAddress("127.0.0.1", port: port)
            let connected = address.withSockaddr { connect(fd, $0, $1.pointee) } == 0
            close(fd)
            if connected { return }
            usleep(50_000)
        }
        throw SystemError("openssl s_server never listened", errno: ETIMEDOUT)
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SystemError("openssl \(arguments[0]) exited \(process.terminationStatus)", errno: 0)
        }
    }
}
