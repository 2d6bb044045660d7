import Foundation
import Testing

@testable import Exporter

/// /metrics gzipped for a scraper that sends Accept-Encoding: gzip, and only then.
@Suite struct GzipTests {
    /// What gzip(1) makes of `bytes`: the test's judge of the format.
    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc"]
        let (input, output) = (Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(data)
    }

    @Test(arguments: [
        ("gzip", true), ("x-gzip", true), ("deflate, GZIP;q=0.5", true), (" br , gzip ; q=1 ", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("deflate, br", false), ("gzipped", false), ("", false),
        ("*", false),
    ])
    func acceptEncodingNamesGzip(value: String, accepted: Bool) {
        #expect(HTTPRequestParser.acceptsGzip(Substring(value)) == accepted)
    }

    @Test func metricsAreGzippedForAScraperThatAsksAndPlainOtherwise() throws {
        let metrics = DrcheckMetrics(version: "1")
        // Some 400 KB of exposition: several pieces of the compressor's input.
        for index in 0..<500 {
            MetricsFixtures.populate(
                metrics, ServerLabels(service: "svc\(index / 50)", realServer: "203.0.113.\(index % 250):\(index)"))
        }
        let harness = try ServerHarness(
            endpoints: MetricsEndpoints(metrics: metrics, status: { StatusFixtures.document }, ready: { true }))
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: deflate, gzip\r\n\r\n")
        let gzipped = try #require(client.response())
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let plain = try #require(client.response())
        #expect(plain.bytes == metrics.render())
        #expect(plain.bytes.count > 4 * Gzip.piece)
        #expect(plain.headers["content-encoding"] == nil)
        #expect(gzipped.headers["content-encoding"] == "gzip")
        #expect(gzipped.headers["vary"] == "Accept-Encoding")
        #expect(gzipped.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try Self.gunzip(gzipped.bytes) == plain.bytes)
        #expect(gzipped.bytes.count * 10 < plain.bytes.count)
    }

    @Test func anEmptyBodyIsAValidGzip() throws {
        let harness = try ServerHarness()
        var output: [UInt8]?
        Gzip.compress([], on: harness.loop) { output = $0 }
        #expect(harness.pump { output != nil })
        #expect(try Self.gunzip(try #require(output)) == [])
    }
}
