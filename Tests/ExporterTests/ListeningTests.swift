import Exporter
import Foundation
import Glibc
import Primitives
import Testing

@Suite struct ListeningTests {
    private func temporaryPath() -> String {
        "/tmp/drcheck-exporter-test-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
    }

    @Test func servesOnAUnixSocketAndRemovesItsFileOnClose() throws {
        let path = temporaryPath()
        let harness = try ServerHarness(address: .unix(path: path))
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 1\n")
        harness.server.close()
        #expect(access(path, F_OK) != 0)
    }

    @Test func replacesAStaleSocketFile() throws {
        let path = temporaryPath()
        // A socket file whose process is gone: bound once, never listened on.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(stale)
        let harness = try ServerHarness(address: .unix(path: path))
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
    }

    @Test func refusesAPathThatIsNotASocketOrIsInUse() throws {
        let path = temporaryPath()
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        defer { unlink(path) }
        do {
            _ = try ServerHarness(address: .unix(path: path))
            Issue.record("a regular file was taken for a socket")
        } catch let error as MetricsServerError {
            #expect(error.description == "cannot listen on unix:\(path): \(path) exists and is not a socket")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")

        let livePath = temporaryPath()
        let live = try ServerHarness(address: .unix(path: livePath))
        do {
            _ = try ServerHarness(address: .unix(path: livePath))
            Issue.record("a second server took over a live socket")
        } catch let error as MetricsServerError {
            #expect(error.description == "cannot listen on unix:\(livePath): another process is listening there")
        }
        live.server.close()
    }

    @Test func servesOnIPv6Loopback() throws {
        let harness = try ServerHarness(address: .ipv6("::1", port: 0))
        guard case .ipv6("::1", let port) = harness.server.address else {
            Issue.record("bound to \(harness.server.address)")
            return
        }
        #expect(port != 0)
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        #expect(client.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
    }

    @Test func aPortInUseIsAOneLineError() throws {
        let first = try ServerHarness()
        do {
            _ = try ServerHarness(address: first.server.address)
            Issue.record("two servers on one port")
        } catch let error as MetricsServerError {
            #expect(error.description == "cannot listen on \(first.server.address): bind: Address already in use")
        }
    }
}
