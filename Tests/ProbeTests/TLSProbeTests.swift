import EventLoop
import Foundation
import Primitives
import Testing

@testable import Probe

/// HTTPS checks against `openssl s_server` on 127.0.0.1, whose certificate (probe.test and 127.0.0.1) comes from a
/// private CA made for the test; a second, unrelated CA vouches for nothing here.
struct TLSProbeTests {
    @Test func theServersCAFileVouchesForIt() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let result = try probe(server, caFile: server.caFile)
        #expect(result.probeClass == .ok)
        #expect(result.status == 200)
        #expect(result.detail == "")
    }

    @Test func anUnrelatedCAFileIsATLSError() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let result = try probe(server, caFile: server.otherCAFile)
        #expect(result.probeClass == .tlsError)
        #expect(result.status == nil)
        #expect(result.detail == "SSL certificate problem: unable to get local issuer certificate")
    }

    @Test func theSystemBundleDoesNotVouchForAPrivateCA() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let result = try probe(server, caFile: nil)
        #expect(result.probeClass == .tlsError)
        #expect(result.detail == "SSL certificate problem: unable to get local issuer certificate")
    }

    @Test func withoutVerificationAnyCertificatePasses() throws {
        let server = try TLSServer()
        defer { server.stop() }
        #expect(try probe(server, caFile: nil, tlsVerify: false).probeClass == .ok)
        // The CA file is not read at all without verification.
        #expect(try probe(server, caFile: server.otherCAFile, tlsVerify: false).probeClass == .ok)
    }

    /// The connection goes to 127.0.0.1 (CURLOPT_CONNECT_TO) while the name verified is the check's host.
    @Test func theCertificateIsCheckedAgainstTheHostNotTheAddress() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let wrongName = try probe(server, caFile: server.caFile, host: "other.test")
        #expect(wrongName.probeClass == .tlsError)
        #expect(
            wrongName.detail
                == "SSL: no alternative certificate subject name matches target host name 'other.test'")
        #expect(try probe(server, caFile: server.caFile, host: nil).probeClass == .ok)
    }

    @Test func aCAFileGoneSinceTheConfigWasLoadedIsATLSError() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let missing = server.folder.appendingPathComponent("missing.pem").path
        let result = try probe(server, caFile: missing)
        #expect(result.probeClass == .tlsError)
        #expect(result.detail.hasPrefix("error setting certificate file: \(missing)"))
    }

    /// An operator replaces the CA file and reloads: the next probe of the same engine reads the new contents.
    @Test func aReplacedCAFileIsReadAgain() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let rotating = try server.rotatingCAFile()
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        #expect(try probe(server, caFile: rotating, engine: engine, loop: loop).probeClass == .ok)
        try server.replaceCAFile(rotating)
        #expect(try probe(server, caFile: rotating, engine: engine, loop: loop).probeClass == .tlsError)
    }

    /// s_server's status page says whether the handshake resumed a session ("Reused, TLSv1.3, ...") or not ("New").
    @Test func withTLSResumeTheNextProbesResumeTheServersSession() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        func probe(_ body: String) throws -> ProbeClass {
            try self.probe(
                server, caFile: server.caFile, engine: engine, loop: loop, tlsResume: .seconds(60), body: body
            ).probeClass
        }
        #expect(try probe("\nNew, TLS") == .ok)
        #expect(try probe("\nReused, TLS") == .ok)
        #expect(try probe("\nReused, TLS") == .ok)
    }

    @Test func withoutTLSResumeEveryProbeMakesAFullHandshake() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        for _ in 0..<3 {
            let result = try probe(server, caFile: server.caFile, engine: engine, loop: loop, body: "\nNew, TLS")
            #expect(result.probeClass == .ok)
        }
    }

    /// What resuming means for the certificate check: a resumed session shows no certificate, so a CA file replaced
    /// meanwhile is seen only at the next full handshake, once tls_resume has passed.
    @Test func aResumedSessionChecksTheCertificateOnlyAtTheNextFullHandshake() throws {
        let server = try TLSServer()
        defer { server.stop() }
        let rotating = try server.rotatingCAFile()
        let loop = try EventLoop()
        let engine = try ProbeEngine(loop: loop)
        func probe() throws -> ProbeClass {
            try self.probe(server, caFile: rotating, engine: engine, loop: loop, tlsResume: .milliseconds(500))
                .probeClass
        }
        #expect(try probe() == .ok)
        try server.replaceCAFile(rotating)
        #expect(try probe() == .ok)
        usleep(600_000)
        #expect(try probe() == .tlsError)
    }

    private func probe(
        _ server: TLSServer, caFile: String?, tlsVerify: Bool = true, host: String? = "probe.test"
    ) throws -> ProbeResult {
        let loop = try EventLoop()
        return try probe(
            server, caFile: caFile, tlsVerify: tlsVerify, host: host, engine: try ProbeEngine(loop: loop), loop: loop)
    }

    private func probe(
        _ server: TLSServer, caFile: String?, tlsVerify: Bool = true, host: String? = "probe.test",
        engine: ProbeEngine, loop: EventLoop, tlsResume: Duration = .zero, body: String? = nil
    ) throws -> ProbeResult {
        let check = try NetworkCheck(
            scheme: .https, address: IPAddress("127.0.0.1")!, port: server.port, host: host,
            expectedBody: try body.map { try BodyPattern($0) }, tlsVerify: tlsVerify, tlsCAFile: caFile,
            tlsResume: tlsResume)
        return try runOnce(check, on: loop, engine: engine)
    }
}

/// `openssl s_server -www` (a fixed 200 status page) with certificates made for it in a private temporary folder:
/// a CA, the server's certificate from that CA, and an unrelated CA.
private final class TLSServer {
    private(set) var port: UInt16 = 0
    let folder: URL
    private let process = Process()

    var caFile: String { path("ca.pem") }
    var otherCAFile: String { path("other-ca.pem") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("probe-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = Pipe()
        do {
            try makeCertificates()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            // Port 0: the kernel picks a free port and s_server prints it, so no other process can take it first.
            process.arguments = [
                "s_server", "-www", "-accept", "127.0.0.1:0", "-key", path("server.key"), "-cert", path("server.pem"),
            ]
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            port = try Self.acceptedPort(output.fileHandleForReading)
            // s_server goes on writing a line per connection: drain them, so that a full pipe never blocks it.
            output.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        } catch {
            stop()
            throw error
        }
    }

    /// SIGKILL: the test's thread blocks SIGTERM (libdispatch workers do), and the child inherits that mask.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A copy of the CA file that vouches for the server, for a test to replace.
    func rotatingCAFile() throws -> String {
        try FileManager.default.copyItem(atPath: caFile, toPath: path("rotating.pem"))
        return path("rotating.pem")
    }

    /// Replaces `file` with the unrelated CA, as an operator's `mv` would: a new file at the same path.
    func replaceCAFile(_ file: String) throws {
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: otherCAFile, toPath: file)
    }

    private func makeCertificates() throws {
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        for (name, subject) in [("ca", "drcheck test CA"), ("other-ca", "unrelated test CA")] {
            try Self.openssl(
                ["req", "-x509"] + newKey + [
                    "-subj", "/CN=\(subject)", "-keyout", path("\(name).key"), "-out", path("\(name).pem"),
                ])
        }
        try Self.openssl(
            ["req", "-x509"] + newKey + [
                "-subj", "/CN=probe.test", "-CA", caFile, "-CAkey", path("ca.key"),
                "-addext", "subjectAltName=DNS:probe.test,IP:127.0.0.1", "-addext",
                "basicConstraints=critical,CA:FALSE",
                "-keyout", path("server.key"), "-out", path("server.pem"),
            ])
    }

    /// The port of s_server's `ACCEPT 127.0.0.1:PORT` line, which it prints once it listens.
    private static func acceptedPort(_ output: FileHandle) throws -> UInt16 {
        var text = ""
        while true {
            let data = output.availableData
            guard !data.isEmpty else { throw SystemError("openssl s_server exited before it listened", errno: EPIPE) }
            text += String(decoding: data, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT 127.0.0.1:") }),
                let port = UInt16(line.dropFirst("ACCEPT 127.0.0.1:".count))
            {
                return port
            }
        }
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
