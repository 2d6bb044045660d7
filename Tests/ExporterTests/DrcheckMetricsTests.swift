import Exporter
import Testing

@Suite struct DrcheckMetricsTests {
    static let rs1 = ServerLabels(service: "web", realServer: "203.0.113.21:8000")
    static let rs2 = ServerLabels(service: "web", realServer: "203.0.113.22:8000")
    static let labels1 = #"service="web",real_server="203.0.113.21:8000""#
    static let labels2 = #"service="web",real_server="203.0.113.22:8000""#

    @Test func fixedFamiliesRenderTheValuesSet() {
        let metrics = DrcheckMetrics(version: "1.2.3")
        metrics.updateServer(Self.rs1, up: true, weight: 7, configuredWeight: 7)
        metrics.updateServer(Self.rs2, up: false, weight: 0, configuredWeight: 5)
        let exposition = Exposition(metrics.render())
        #expect(exposition.samples["drcheck_real_server_up{\(Self.labels1)}"] == "1.0")
        #expect(exposition.samples["drcheck_real_server_weight{\(Self.labels1)}"] == "7.0")
        #expect(exposition.samples["drcheck_real_server_configured_weight{\(Self.labels1)}"] == "7.0")
        #expect(exposition.samples["drcheck_real_server_up{\(Self.labels2)}"] == "0.0")
        #expect(exposition.samples["drcheck_real_server_weight{\(Self.labels2)}"] == "0.0")
        #expect(exposition.samples["drcheck_real_server_configured_weight{\(Self.labels2)}"] == "5.0")
        #expect(exposition.samples[#"drcheck_build_info{version="1.2.3"}"#] == "1.0")
        #expect(exposition.types["drcheck_real_server_up"] == "gauge")
        #expect(exposition.helps["drcheck_real_server_up"] == "1 if the real server passes its health check, 0 if not.")
    }

    @Test func probesCountByClassAndFillTheDurationHistogram() {
        let metrics = DrcheckMetrics(version: "1")
        metrics.observeProbe(Self.rs1, resultClass: "ok", duration: .milliseconds(3))
        metrics.observeProbe(Self.rs1, resultClass: "ok", duration: .milliseconds(20))
        metrics.observeProbe(Self.rs1, resultClass: "timeout", duration: .seconds(1))
        let exposition = Exposition(metrics.render())
        #expect(exposition.samples[#"drcheck_probe_results_total{\#(Self.labels1),class="ok"}"#] == "2")
        #expect(exposition.samples[#"drcheck_probe_results_total{\#(Self.labels1),class="timeout"}"#] == "1")
        #expect(exposition.types["drcheck_probe_results_total"] == "counter")
        #expect(exposition.types["drcheck_probe_duration_seconds"] == "histogram")
        let buckets = [
            "0.001": "0", "0.0025": "0", "0.005": "1", "0.01": "1", "0.025": "2", "0.05": "2", "0.1": "2",
            "0.25": "2", "0.5": "2", "1.0": "3", "2.5": "3", "5.0": "3", "10.0": "3", "+Inf": "3",
        ]
        for (bound, count) in buckets {
            let series = #"drcheck_probe_duration_seconds_bucket{\#(Self.labels1),le="\#(bound)"}"#
            #expect(exposition.samples[series] == count, "le=\(bound)")
        }
        #expect(exposition.samples["drcheck_probe_duration_seconds_count{\(Self.labels1)}"] == "3")
        #expect(exposition.samples["drcheck_probe_duration_seconds_sum{\(Self.labels1)}"] == "1.023")
    }

    @Test func probeStartDelaysFillAnUnlabeledHistogram() {
        let metrics = DrcheckMetrics(version: "1")
        let before = Exposition(metrics.render())
        #expect(before.samples[#"drcheck_probe_start_delay_seconds_bucket{le="+Inf"}"#] == "0")
        metrics.observeProbeStartDelay(.microseconds(200))
        metrics.observeProbeStartDelay(.milliseconds(30))
        metrics.observeProbeStartDelay(.milliseconds(-1))
        let exposition = Exposition(metrics.render())
        #expect(exposition.samples[#"drcheck_probe_start_delay_seconds_bucket{le="0.0005"}"#] == "2")
        #expect(exposition.samples[#"drcheck_probe_start_delay_seconds_bucket{le="0.025"}"#] == "2")
        #expect(exposition.samples[#"drcheck_probe_start_delay_seconds_bucket{le="0.05"}"#] == "3")
        #expect(exposition.samples["drcheck_probe_start_delay_seconds_count"] == "3")
    }

    @Test func transitionsPanicIPVSAndConfigLoads() {
        let metrics = DrcheckMetrics(version: "1")
        metrics.recordTransition(Self.rs1, from: "up", to: "down")
        metrics.recordTransition(Self.rs1, from: "down", to: "up")
        metrics.recordTransition(Self.rs1, from: "up", to: "down")
        metrics.setServicePanic("web", true)
        metrics.recordIPVSUpdate(.setWeight)
        metrics.recordIPVSUpdate(.setWeight)
        metrics.recordIPVSError(.read)
        metrics.recordConfigLoad(succeeded: true, at: 1_764_072_000)
        metrics.recordConfigLoad(succeeded: false, at: 1_764_072_600)
        let exposition = Exposition(metrics.render())
        let transitions = "drcheck_real_server_state_transitions_total"
        #expect(exposition.samples[#"\#(transitions){\#(Self.labels1),from="up",to="down"}"#] == "2")
        #expect(exposition.samples[#"\#(transitions){\#(Self.labels1),from="down",to="up"}"#] == "1")
        #expect(exposition.samples[#"drcheck_service_panic{service="web"}"#] == "1.0")
        #expect(exposition.samples[#"drcheck_ipvs_updates_total{operation="set_weight"}"#] == "2")
        #expect(exposition.samples[#"drcheck_ipvs_errors_total{operation="read"}"#] == "1")
        #expect(exposition.samples["drcheck_config_last_reload_successful"] == "0.0")
        // The time of the last load that succeeded, not of the failed one.
        #expect(exposition.samples["drcheck_config_last_reload_success_timestamp_seconds"] == "1764072000.0")
    }

    @Test func descriptorsExhaustedCountsFromZero() {
        let metrics = DrcheckMetrics(version: "1")
        #expect(Exposition(metrics.render()).samples["drcheck_descriptors_exhausted_total"] == "0")
        metrics.recordDescriptorsExhausted()
        metrics.recordDescriptorsExhausted()
        let exposition = Exposition(metrics.render())
        #expect(exposition.samples["drcheck_descriptors_exhausted_total"] == "2")
        #expect(exposition.types["drcheck_descriptors_exhausted_total"] == "counter")
    }

    @Test func kernelCountersMirrorTheKernelsAbsoluteValues() {
        let metrics = DrcheckMetrics(version: "1")
        func set(_ connections: UInt64) {
            metrics.updateKernelCounters(
                Self.rs1,
                DestinationCounters(
                    activeConnections: 3, inactiveConnections: 4, connections: connections, packetsIn: 100,
                    packetsOut: 0, bytesIn: 5_000_000_000, bytesOut: 0))
        }
        set(100)
        set(150)
        var exposition = Exposition(metrics.render())
        #expect(exposition.samples["drcheck_ipvs_connections_total{\(Self.labels1)}"] == "150")
        #expect(exposition.samples["drcheck_ipvs_connections_active{\(Self.labels1)}"] == "3.0")
        #expect(exposition.samples["drcheck_ipvs_connections_inactive{\(Self.labels1)}"] == "4.0")
        #expect(exposition.samples["drcheck_ipvs_incoming_packets_total{\(Self.labels1)}"] == "100")
        #expect(exposition.samples["drcheck_ipvs_outgoing_packets_total{\(Self.labels1)}"] == "0")
        #expect(exposition.samples["drcheck_ipvs_incoming_bytes_total{\(Self.labels1)}"] == "5000000000")
        #expect(exposition.samples["drcheck_ipvs_outgoing_bytes_total{\(Self.labels1)}"] == "0")
        // A destination deleted and added again starts from zero: the counter resets, as Prometheus expects.
        set(20)
        exposition = Exposition(metrics.render())
        #expect(exposition.samples["drcheck_ipvs_connections_total{\(Self.labels1)}"] == "20")
    }

    @Test func labelValuesAreEscaped() {
        let metrics = DrcheckMetrics(version: "1")
        let odd = ServerLabels(service: "we\"b\\1\nx", realServer: "203.0.113.21:8000")
        metrics.updateServer(odd, up: true, weight: 1, configuredWeight: 1)
        let text = Exposition(metrics.render()).text
        #expect(text.contains(#"drcheck_real_server_up{service="we\"b\\1\nx",real_server="203.0.113.21:8000"} 1.0"#))
        #expect(!text.contains("we\"b\\1\nx"))
    }

    @Test func removingAServerRemovesEveryOneOfItsSeries() {
        let metrics = DrcheckMetrics(version: "1")
        for server in [Self.rs1, Self.rs2] { MetricsFixtures.populate(metrics, server) }
        let before = Exposition(metrics.render()).series(containing: #"real_server="203.0.113.21:8000""#)
        // 3 fixed, admin drained, 1 result class, 13 buckets + Inf + sum + count, 1 transition, 7 kernel figures.
        #expect(before.count == 29)
        metrics.removeServer(Self.rs1)
        let after = Exposition(metrics.render())
        #expect(after.series(containing: "203.0.113.21").isEmpty)
        #expect(after.series(containing: #"real_server="203.0.113.22:8000""#).count == 29)
    }

    @Test func removingAServiceRemovesItsServersAndPanicAndEmptyFamiliesVanish() {
        let metrics = DrcheckMetrics(version: "1")
        metrics.updateServer(Self.rs1, up: true, weight: 1, configuredWeight: 1)
        metrics.setServicePanic("web", false)
        let other = ServerLabels(service: "mail", realServer: "203.0.113.30:25")
        metrics.updateServer(other, up: true, weight: 1, configuredWeight: 1)
        metrics.removeService("web")
        let exposition = Exposition(metrics.render())
        #expect(exposition.series(containing: #"service="web""#).isEmpty)
        #expect(exposition.types["drcheck_service_panic"] == nil)
        #expect(exposition.samples[#"drcheck_real_server_up{service="mail",real_server="203.0.113.30:25"}"#] == "1.0")
        metrics.removeServer(other)
        #expect(Exposition(metrics.render()).types["drcheck_real_server_up"] == nil)
    }

    @Test func serviceInfoSaysAddressProtocolAndCheckAndFollowsAReload() {
        let metrics = DrcheckMetrics(version: "1")
        metrics.setServiceInfo("web", address: "198.51.100.33:8000", transport: "tcp", check: "http")
        metrics.setServiceInfo("dns", address: "fwmark:5", transport: "fwmark", check: "exec")
        let labels = #"service="web",address="198.51.100.33:8000",protocol="tcp""#
        #expect(Exposition(metrics.render()).samples[#"drcheck_service_info{\#(labels),check="http"}"#] == "1.0")
        metrics.setServiceInfo("web", address: "198.51.100.33:8000", transport: "tcp", check: "tcp")
        let reloaded = Exposition(metrics.render())
        #expect(reloaded.series(containing: "drcheck_service_info{").count == 2)
        #expect(reloaded.samples[#"drcheck_service_info{\#(labels),check="tcp"}"#] == "1.0")
        #expect(reloaded.types["drcheck_service_info"] == "gauge")
        metrics.removeService("web")
        metrics.removeService("dns")
        #expect(Exposition(metrics.render()).types["drcheck_service_info"] == nil)
    }
}
