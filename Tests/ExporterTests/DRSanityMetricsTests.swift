import Presentation
import Testing

@testable import Exporter

@Suite struct DRSanityMetricsTests {
    @Test func directorFaultIsZeroUntilSetAndFollowsIt() {
        let metrics = DrcheckMetrics(version: "0.1.0")
        #expect(Exposition(metrics.render()).samples["drcheck_director_dr_path_fault"] == "0.0")
        metrics.setDirectorFault(true)
        #expect(Exposition(metrics.render()).samples["drcheck_director_dr_path_fault"] == "1.0")
        metrics.setDirectorFault(false)
        #expect(Exposition(metrics.render()).samples["drcheck_director_dr_path_fault"] == "0.0")
    }

    @Test func arpConflictSeriesAreExactlyTheCurrentConflicts() {
        let metrics = DrcheckMetrics(version: "0.1.0")
        let rs1 = ARPConflictLabels(vip: "198.51.100.33", mac: "02:00:00:00:00:01", realServer: "203.0.113.21")
        let stranger = ARPConflictLabels(vip: "198.51.100.33", mac: "02:00:00:00:00:09", realServer: "")
        let rs1Series = #"drcheck_arp_conflict{vip="198.51.100.33",mac="02:00:00:00:00:01",real_server="203.0.113.21"}"#
        let strangerSeries = #"drcheck_arp_conflict{vip="198.51.100.33",mac="02:00:00:00:00:09",real_server=""}"#
        metrics.setARPConflicts([rs1, stranger])
        var samples = Exposition(metrics.render()).samples
        #expect(samples[rs1Series] == "1.0")
        #expect(samples[strangerSeries] == "1.0")
        metrics.setARPConflicts([stranger])
        samples = Exposition(metrics.render()).samples
        #expect(samples[rs1Series] == nil)
        #expect(samples[strangerSeries] == "1.0")
        metrics.setARPConflicts([])
        #expect(!Exposition(metrics.render()).samples.keys.contains { $0.hasPrefix("drcheck_arp_conflict{") })
    }

    @Test func theStatusTableEndsWithTheDRFaults() {
        let agent = StatusDocument.Agent(
            version: "0.1.0", pid: 7, startedAt: 100, generatedAt: 160, configFile: nil, configLoadedAt: nil,
            lastReloadSucceeded: true, dryRun: false, ready: true, directorFault: "every DR-path probe fails",
            arpConflicts: [
                ARPConflictLabels(vip: "198.51.100.33", mac: "02:00:00:00:00:01", realServer: "203.0.113.21")
            ])
        let lines = StatusTable.render(StatusDocument(agent: agent, services: [])).split(separator: "\n")
        #expect(
            lines.suffix(2) == [
                "DIRECTOR FAULT: every DR-path probe fails",
                "ARP CONFLICT: real server 203.0.113.21 (MAC 02:00:00:00:00:01) answers ARP for VIP 198.51.100.33",
            ])
    }

    @Test func servicesLeftAloneAreNamedBelowTheTableAndInTheJSON() throws {
        let agent = StatusDocument.Agent(
            version: "0.1.0", pid: 7, startedAt: 100, generatedAt: 160, configFile: nil, configLoadedAt: nil,
            lastReloadSucceeded: true, dryRun: false, ready: true)
        let dns = StatusDocument.Service(
            name: "198.51.100.33:53", address: "198.51.100.33:53", protocol: "udp", panic: false,
            notChecked: "a udp service, which an http check cannot judge", realServers: [])
        let document = StatusDocument(agent: agent, services: [dns])
        let lines = StatusTable.render(document).split(separator: "\n")
        #expect(
            lines.suffix(2) == [
                "SERVICE  REAL SERVER  STATE  WEIGHT  CONFIGURED  CONNS  RESULT  LATENCY  CHANGED  DETAIL",
                "NOT CHECKED: 198.51.100.33:53 (udp): a udp service, which an http check cannot judge",
            ])
        let json = String(decoding: document.json(), as: UTF8.self)
        #expect(json.contains(#""not_checked":"a udp service, which an http check cannot judge""#))
        #expect(try StatusDocument(json: document.json()) == document)
    }

    @Test func shadowDisagreementsAreSeriesAndLinesBelowTheTable() {
        let metrics = DrcheckMetrics(version: "1")
        let rs1 = ShadowLabels(server: ServerLabels(service: "web", realServer: "203.0.113.21:8000"), drcheck: "down")
        metrics.setShadowDisagreements([rs1])
        #expect(
            Exposition(metrics.render()).samples[
                #"drcheck_shadow_disagreement{service="web",real_server="203.0.113.21:8000",drcheck="down"}"#] == "1.0")
        metrics.setShadowDisagreements([])
        #expect(!Exposition(metrics.render()).text.contains("drcheck_shadow_disagreement{"))
        let agent = StatusDocument.Agent(
            version: "0.1.0", pid: 7, startedAt: 100, generatedAt: 160, configFile: nil, configLoadedAt: nil,
            lastReloadSucceeded: true, dryRun: true, ready: true,
            shadowDisagreements: ["web 203.0.113.21:8000: drcheck finds it down, the kernel has it at weight 5"])
        let lines = StatusTable.render(StatusDocument(agent: agent, services: [])).split(separator: "\n")
        #expect(lines.last == "SHADOW: web 203.0.113.21:8000: drcheck finds it down, the kernel has it at weight 5")
    }
}
