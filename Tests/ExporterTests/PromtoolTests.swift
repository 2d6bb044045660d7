import EventLoop
import Exporter
import Foundation
import Testing

/// Debian's `promtool check metrics` lints a full exposition: names, suffixes, HELP and TYPE, histogram shape.
@Suite struct PromtoolTests {
    static let promtool = ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":")
        .map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// With every family, and with the per-server histograms and kernel counters left out (`metrics:`).
    @Test(
        .enabled(if: promtool != nil, "promtool is not on PATH (Debian package prometheus)"),
        arguments: [(true, 30), (false, 22)])
    func everyFamilyPassesPromtool(allFamilies: Bool, families: Int) throws {
        let metrics = DrcheckMetrics(version: "0.1.0")
        metrics.probeDurations = allFamilies
        metrics.ipvsCounters = allFamilies
        let server = ServerLabels(service: "web \"main\"", realServer: "203.0.113.21:8000")
        MetricsFixtures.populate(metrics, server)
        metrics.setServicePanic("web \"main\"", false)
        metrics.setServiceInfo(
            "web \"main\"", address: "fwmark:5", transport: "fwmark", check: "http")
        metrics.recordIPVSUpdate(.setWeight)
        metrics.recordIPVSError(.read)
        metrics.recordConfigLoad(succeeded: true, at: 1_764_072_000)
        metrics.observeProbeStartDelay(.microseconds(300))
        metrics.setDirectorFault(true)
        metrics.setARPConflicts([ARPConflictLabels(vip: "198.51.100.33", mac: "02:00:00:00:00:01", realServer: "")])
        metrics.setOverload(true, achievedInterval: .milliseconds(3_400))
        metrics.recordDiscounted(.overload)
        metrics.recordDescriptorsExhausted()
        metrics.recordInvalidFeedback()
        metrics.updateServer(
            server, up: true, weight: 1, configuredWeight: 1,
            flapPenalty: DecayingValue(value: 2.5, at: .now(), halfLife: .seconds(60)))
        let exposition = metrics.render()
        #expect(Exposition(exposition).types.count == families)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.promtool))
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(report == "")
        #expect(process.terminationStatus == 0)
    }
}
