import Glibc
import Primitives
import Testing

@testable import Exporter

@Suite struct HTTPConnectionTests {
    @Test func keepAliveServesTwoRequestsOnOneConnection() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 1\n")
        harness.metrics = Array("drcheck_test 2\n".utf8)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 2\n")
        #expect(harness.server.connectionCount == 1)
    }

    @Test func aResponseLargerThanOneWriteSliceArrivesWhole() throws {
        let harness = try ServerHarness()
        let line = Array("drcheck_test{n=\"0123456789\"} 1\n".utf8)
        harness.metrics = Array((0..<100_000).map { _ in line }.joined())
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.headers["content-length"] == String(harness.metrics.count))
        #expect(Array(response.body.utf8) == harness.metrics)
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
    }

    @Test func connectionCloseIsHonoured() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.headers["connection"] == "close")
        #expect(response.body == "drcheck_test 1\n")
        #expect(client.waitForClose())
    }

    @Test func http10ClosesByDefault() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.0\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.statusLine == "HTTP/1.1 200 OK")
        #expect(response.headers["connection"] == "close")
        #expect(client.waitForClose())
    }

    @Test func http10KeepAliveIsConfirmedAndKept() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        #expect(client.response()?.headers["connection"] == "keep-alive")
        client.send("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(client.response()?.headers["connection"] == "close")
        #expect(client.waitForClose())
    }

    @Test func halfClosedClientStillGetsItsResponse() throws {
        let harness = try ServerHarness()
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        shutdown(client.fd, Int32(SHUT_WR))
        #expect(client.response()?.body == "drcheck_test 1\n")
        #expect(client.waitForClose())
    }

    @Test func slowlorisIsClosedAtTheRequestDeadline() throws {
        var limits = MetricsServerLimits.uncached
        limits.requestTimeout = .milliseconds(200)
        let harness = try ServerHarness(limits: limits)
        let slow = harness.connect()
        let silent = harness.connect()
        slow.send("GET /metrics HTTP/1.1\r\nHost: x\r\n")
        #expect(slow.waitForClose())
        #expect(silent.waitForClose())
        #expect(slow.response() == nil)
        harness.pump { harness.server.connectionCount == 0 }
        #expect(harness.server.connectionCount == 0)
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        var limits = MetricsServerLimits.uncached
        limits.idleTimeout = .milliseconds(200)
        let harness = try ServerHarness(limits: limits)
        let client = harness.connect()
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(client.waitForClose())
    }

    @Test func atTheConnectionBoundTheOldestWaitingConnectionMakesRoom() throws {
        var limits = MetricsServerLimits.uncached
        limits.maxConnections = 2
        let harness = try ServerHarness(limits: limits)
        let first = harness.connect()
        harness.pump { harness.server.connectionCount == 1 }
        let second = harness.connect()
        harness.pump { harness.server.connectionCount == 2 }
        let third = harness.connect()
        third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(third.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(first.waitForClose())
        second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(second.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
        #expect(harness.server.connectionCount == 2)
    }

    @Test func atTheConnectionBoundWithEveryConnectionBusyTheNewOneIsClosed() throws {
        var limits = MetricsServerLimits.uncached
        limits.maxConnections = 2
        let harness = try ServerHarness(limits: limits)
        harness.metrics = TestClient.largeBody
        let readers = [harness.connect(), harness.connect()]
        for reader in readers { reader.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") }
        // Both responses have started, and are far too large to be written at once.
        harness.pump { readers.allSatisfy(\.hasDataWaiting) }
        let refused = harness.connect()
        #expect(refused.waitForClose())
        #expect(harness.server.connectionCount == 2)
    }

    @Test func aRenderingSlowerThanTheResponseDeadlineIsStillServed() throws {
        var limits = MetricsServerLimits.uncached
        limits.responseTimeout = .milliseconds(20)
        let body = Array("drcheck_test 1\n".utf8)
        // The rendering ends 200 ms after it began, as a sliced one does on a director short of CPU.
        let endpoints = MetricsEndpoints(
            renderMetrics: { loop, done in loop.schedule(after: .milliseconds(200)) { done(body) } },
            status: { StatusFixtures.document }, ready: { true })
        let harness = try ServerHarness(limits: limits, endpoints: endpoints)
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 1\n")
    }

    @Test func aClientThatNeverReadsDoesNotStopTheOthers() throws {
        var limits = MetricsServerLimits.uncached
        limits.responseTimeout = .milliseconds(300)
        let harness = try ServerHarness(limits: limits)
        harness.metrics = TestClient.largeBody
        let stuck = harness.connect()
        stuck.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        harness.pump { stuck.hasDataWaiting }
        let other = harness.connect()
        other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(other.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
        // The stuck client's connection is dropped at the response deadline; the other one stays.
        #expect(harness.pump { harness.server.connectionCount == 1 })
        other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(other.response()?.statusLine == "HTTP/1.1 503 Service Unavailable")
    }
}
