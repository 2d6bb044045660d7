import EventLoop
import Testing

@testable import Exporter

@Suite struct RenderingTests {
    private static func populated(_ servers: Int) -> DrcheckMetrics {
        let metrics = DrcheckMetrics(version: "1")
        for index in 0..<servers {
            let server = ServerLabels(
                service: "svc\(index / 10)", realServer: "203.0.113.\(index % 250):\(8000 + index)")
            metrics.updateServer(server, up: index % 3 != 0, weight: index, configuredWeight: 5)
            metrics.observeProbe(server, resultClass: "ok", duration: .milliseconds(index % 40))
            metrics.setServicePanic(server.service, index % 7 == 0)
        }
        return metrics
    }

    @Test func shardsRenderEachFamilyOnceWithOneHelpAndType() {
        let exposition = Exposition(Self.populated(200).render())
        let lines = exposition.text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("# TYPE drcheck_real_server_up ") }.count == 1)
        #expect(lines.filter { $0.hasPrefix("# HELP drcheck_probe_duration_seconds ") }.count == 1)
        #expect(exposition.series(containing: "drcheck_real_server_up{").count == 200)
        #expect(exposition.series(containing: "drcheck_service_panic{").count == 20)
        // Each family's lines are contiguous: a family's name never reappears after another family began.
        var seen: [String] = []
        for line in lines where line.hasPrefix("# TYPE ") {
            let name = String(line.split(separator: " ")[2])
            #expect(!seen.contains(name))
            seen.append(name)
        }
        #expect(seen.first == "drcheck_real_server_up")
    }

    @Test func slicedRenderingGivesTheSameBytesAndLetsDueTimersRunFirst() throws {
        let metrics = Self.populated(300)
        let loop = try EventLoop()
        var events: [String] = []
        var sliced: [UInt8]?
        loop.schedule(after: .zero) { events.append("probe") }
        metrics.render(on: loop, slice: .zero) { body in
            events.append("rendered")
            sliced = body
        }
        while sliced == nil { try loop.runOnce(timeout: 100) }
        #expect(events == ["probe", "rendered"])
        #expect(sliced == metrics.render())
    }

    @Test func statusIsEncodedAServiceAtATimeWithTheSameBytes() throws {
        var document = StatusFixtures.document
        document.services += document.services.map { service in
            var copy = service
            copy.name += "-2"
            return copy
        }
        let loop = try EventLoop()
        var events: [String] = []
        var sliced: [UInt8]?
        loop.schedule(after: .zero) { events.append("probe") }
        document.json(on: loop, slice: .zero) { body in
            events.append("encoded")
            sliced = body
        }
        while sliced == nil { try loop.runOnce(timeout: 100) }
        #expect(events == ["probe", "encoded"])
        #expect(sliced == document.json())
        #expect(try StatusDocument(json: try #require(sliced)) == document)
        document.services = []
        #expect(try StatusDocument(json: document.json()) == document)
    }

    @Test func renderingsUnderWayAreSharedAndFreshOnesCached() throws {
        let loop = try EventLoop()
        var renders = 0
        let cache = CachedBody(loop: loop, maxAge: .seconds(3600)) { done in
            renders += 1
            let body = Array("render \(renders)".utf8)
            loop.schedule(after: .milliseconds(1)) { done(body) }
        }
        var answers: [String] = []
        cache.get { answers.append(String(decoding: $0, as: UTF8.self)) }
        cache.get { answers.append(String(decoding: $0, as: UTF8.self)) }
        while answers.count < 2 { try loop.runOnce(timeout: 100) }
        cache.get { answers.append(String(decoding: $0, as: UTF8.self)) }
        #expect(answers == ["render 1", "render 1", "render 1"])
        #expect(renders == 1)
    }

    @Test func aCachedBodyIsLetGoOnceStale() throws {
        let loop = try EventLoop()
        let cache = CachedBody(loop: loop, maxAge: .milliseconds(20)) { done in done(Array("body".utf8)) }
        var answered = false
        cache.get { _ in answered = true }
        #expect(answered)
        #expect(cache.holdsBody)
        let stale = loop.now() + .milliseconds(30)
        while loop.now() < stale { try loop.runOnce(timeout: 10) }
        #expect(!cache.holdsBody)
    }

    @Test func scrapesWithinTheCacheAgeShareOneRendering() throws {
        var limits = MetricsServerLimits()
        limits.renderCacheAge = .seconds(3600)
        let harness = try ServerHarness(limits: limits)
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 1\n")
        harness.metrics = Array("drcheck_test 2\n".utf8)
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(client.response()?.body == "drcheck_test 1\n")
    }

    @Test func serverServesDrcheckMetricsRenderedInSlices() throws {
        let metrics = Self.populated(300)
        let harness = try ServerHarness(
            endpoints: MetricsEndpoints(metrics: metrics, status: { StatusFixtures.document }, ready: { true }))
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try #require(client.response())
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(Array(response.body.utf8) == metrics.render())
    }
}
