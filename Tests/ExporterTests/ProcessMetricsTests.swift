import Testing

@testable import Exporter

/// The standard process series, as Prometheus' client libraries name and describe them.
@Suite struct ProcessMetricsTests {
    /// Fields 3 to 24 after a command name that holds spaces and a parenthesis.
    static let stat =
        "4242 (dr check) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 50 0 0 20 0 1 0 12345 104857600 2560 "
        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

    @Test func readsProcStatAsTheClientLibrariesDo() throws {
        let process = try #require(
            ProcessMetrics(
                stat: Self.stat, procStat: "cpu  1 2 3\nbtime 1796150000\nprocesses 9\n", ticksPerSecond: 100,
                pageSize: 4096, openFDs: 12, maxFDs: 65536))
        #expect(
            process.exposition() == """
                # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
                # TYPE process_cpu_seconds_total counter
                process_cpu_seconds_total 2.0
                # HELP process_max_fds Maximum number of open file descriptors.
                # TYPE process_max_fds gauge
                process_max_fds 65536
                # HELP process_open_fds Number of open file descriptors.
                # TYPE process_open_fds gauge
                process_open_fds 12
                # HELP process_resident_memory_bytes Resident memory size in bytes.
                # TYPE process_resident_memory_bytes gauge
                process_resident_memory_bytes 10485760
                # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
                # TYPE process_start_time_seconds gauge
                process_start_time_seconds 1796150123.45
                # HELP process_virtual_memory_bytes Virtual memory size in bytes.
                # TYPE process_virtual_memory_bytes gauge
                process_virtual_memory_bytes 104857600

                """)
        #expect(
            ProcessMetrics(
                stat: "4242 no parenthesis", procStat: "btime 1\n", ticksPerSecond: 100,
                pageSize: 4096, openFDs: 1, maxFDs: 1) == nil)
        #expect(
            ProcessMetrics(
                stat: Self.stat, procStat: "cpu 1\n", ticksPerSecond: 100,
                pageSize: 4096, openFDs: 1, maxFDs: 1) == nil)
    }

    @Test func thisProcessIsRead() throws {
        let process = try #require(ProcessMetrics.current())
        #expect(process.openFDs >= 3)
        #expect(process.maxFDs >= process.openFDs)
        #expect(process.residentBytes > 0 && process.virtualBytes >= process.residentBytes)
        #expect(process.cpuSeconds > 0)
    }

    @Test func theDaemonsEndpointAddsThemAfterDrcheckSeries() throws {
        let harness = try ServerHarness(
            endpoints: MetricsEndpoints(
                metrics: DrcheckMetrics(version: "1"), process: true, status: { StatusFixtures.document },
                ready: { true }))
        let client = harness.connect()
        client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let body = try #require(client.response()?.body)
        let families = body.split(separator: "\n").filter { $0.hasPrefix("# TYPE process_") }.map {
            $0.split(separator: " ")[2]
        }
        #expect(
            families == [
                "process_cpu_seconds_total", "process_max_fds", "process_open_fds", "process_resident_memory_bytes",
                "process_start_time_seconds", "process_virtual_memory_bytes",
            ])
        #expect(body.hasPrefix("# HELP drcheck_"))
    }
}
