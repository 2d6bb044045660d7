import EventLoop
import IPVS
import Primitives
import Testing

@testable import Daemon

/// Which of drcheck's probe services a discovery pass makes, reads and deletes, from the kernel's listing.
@Suite struct ProbeServiceAuditTests {
    static let rs1 = IPAddress("203.0.113.21")!
    static let rs2 = IPAddress("203.0.113.22")!
    static let rs3 = IPAddress("203.0.113.23")!
    static let base: UInt32 = 0x4452_0000
    let wanted = [rs1: base, rs2: base + 1, rs3: base + 2]

    static func key(_ mark: UInt32) -> ServiceKey { .fwmark(mark, family: .ipv4) }

    static func route(_ server: IPAddress, weight: Int32 = 1) -> Destination {
        Destination(address: server, port: 0, forwarding: .route, weight: weight)
    }

    /// A ledger that knows each server's service with its wanted mark, verified at `at` (nil: not verified).
    func ledger(_ servers: [IPAddress], verifiedAt at: Monotonic?) -> ProbeServiceLedger {
        var ledger = ProbeServiceLedger()
        for server in servers {
            ledger.verified(server, mark: wanted[server]!, at: at ?? Monotonic(nanoseconds: 0))
            if at == nil { ledger.distrust(server) }
        }
        return ledger
    }

    /// The audit with the kernel's destinations from `table`; `reads` collects the keys read, in order.
    func audit(
        listed: [ServiceKey: [Destination]], ledger: ProbeServiceLedger, reads: inout [ServiceKey]
    ) throws -> ProbeServiceAudit {
        var read: [ServiceKey] = []
        let audit = try ProbeServiceAudit(wanted: wanted, listed: Set(listed.keys), ledger: ledger) { key in
            read.append(key)
            return listed[key] ?? []
        }
        reads = read
        return audit
    }

    @Test func aFirstPassCreatesEveryServiceAsNewAndReadsNothing() throws {
        var reads: [ServiceKey] = []
        let audit = try audit(listed: [:], ledger: ProbeServiceLedger(), reads: &reads)
        #expect(
            audit.create == [
                .init(server: Self.rs1, mark: Self.base, reason: .new),
                .init(server: Self.rs2, mark: Self.base + 1, reason: .new),
                .init(server: Self.rs3, mark: Self.base + 2, reason: .new),
            ])
        #expect(audit.delete == [])
        #expect(audit.verified == [])
        #expect(reads == [])
    }

    @Test func aSteadyTableOfVerifiedServicesCostsNoRead() throws {
        var reads: [ServiceKey] = []
        let listed = [
            Self.key(Self.base): [Self.route(Self.rs1)], Self.key(Self.base + 1): [Self.route(Self.rs2)],
            Self.key(Self.base + 2): [Self.route(Self.rs3)],
        ]
        let audit = try audit(
            listed: listed, ledger: ledger([Self.rs1, Self.rs2, Self.rs3], verifiedAt: Monotonic(nanoseconds: 5)),
            reads: &reads)
        #expect(audit.create == [])
        #expect(audit.delete == [])
        #expect(audit.verified == [])
        #expect(reads == [])
    }

    /// A flush (or ip_vs unloaded and loaded again) took them: each is made again as missing, not as new.
    @Test func servicesGoneFromTheTableAreRecreatedAsMissing() throws {
        var reads: [ServiceKey] = []
        let listed = [Self.key(Self.base + 1): [Self.route(Self.rs2)]]
        let audit = try audit(
            listed: listed, ledger: ledger([Self.rs1, Self.rs2, Self.rs3], verifiedAt: Monotonic(nanoseconds: 5)),
            reads: &reads)
        #expect(
            audit.create == [
                .init(server: Self.rs1, mark: Self.base, reason: .missing),
                .init(server: Self.rs3, mark: Self.base + 2, reason: .missing),
            ])
        #expect(audit.verified == [])
        #expect(reads == [])
    }

    /// A pass that read the table flushed and empty left no target needing them; when the service comes back, its
    /// servers' probe services are made again as missing, not as new.
    @Test func servicesOfServersForgottenWhileTheirServiceWasGoneAreRecreatedAsMissing() throws {
        var reads: [ServiceKey] = []
        var forgotten = ledger([Self.rs1, Self.rs2, Self.rs3], verifiedAt: Monotonic(nanoseconds: 5))
        forgotten.forget(allBut: [])
        let audit = try audit(listed: [:], ledger: forgotten, reads: &reads)
        #expect(audit.create.map(\.reason) == [.missing, .missing, .missing])
        #expect(reads == [])
    }

    /// After an IPVS error nothing is trusted: each listed service is read, and one that leads elsewhere (rules an
    /// earlier run saved, restored with other marks) is made again, naming where it led.
    @Test func unverifiedServicesAreReadAndThoseLeadingElsewhereRecreated() throws {
        var reads: [ServiceKey] = []
        let listed = [
            Self.key(Self.base): [Self.route(Self.rs2)],
            Self.key(Self.base + 1): [Self.route(Self.rs2)],
            Self.key(Self.base + 2): [Self.route(Self.rs3), Self.route(Self.rs1)],
        ]
        let audit = try audit(
            listed: listed, ledger: ledger([Self.rs1, Self.rs2, Self.rs3], verifiedAt: nil), reads: &reads)
        #expect(
            audit.create == [
                .init(server: Self.rs1, mark: Self.base, reason: .wrong("203.0.113.22 at weight 1")),
                .init(
                    server: Self.rs3, mark: Self.base + 2,
                    reason: .wrong("203.0.113.21 at weight 1, 203.0.113.23 at weight 1")),
            ])
        #expect(audit.verified == [Self.rs2])
        #expect(audit.delete == [])
        #expect(reads == [Self.key(Self.base), Self.key(Self.base + 1), Self.key(Self.base + 2)])
    }

    /// A listed service drcheck never made (restored from saved rules) is read: right, it is adopted as verified.
    @Test func aRightServiceDrcheckDidNotMakeIsVerifiedByReading() throws {
        var reads: [ServiceKey] = []
        let listed = [Self.key(Self.base + 2): [Self.route(Self.rs3)]]
        let audit = try audit(listed: listed, ledger: ProbeServiceLedger(), reads: &reads)
        #expect(audit.verified == [Self.rs3])
        #expect(audit.create.map(\.reason) == [.new, .new])
        #expect(reads == [Self.key(Self.base + 2)])
    }

    @Test func servicesOfTheRangeNoServerWantsAreDeleted() throws {
        var reads: [ServiceKey] = []
        let v6 = ServiceKey.fwmark(Self.base, family: .ipv6)
        let listed = [
            Self.key(Self.base): [Self.route(Self.rs1)], Self.key(Self.base + 1): [Self.route(Self.rs2)],
            Self.key(Self.base + 2): [Self.route(Self.rs3)], Self.key(Self.base + 9): [], v6: [],
        ]
        let audit = try audit(
            listed: listed, ledger: ledger([Self.rs1, Self.rs2, Self.rs3], verifiedAt: Monotonic(nanoseconds: 5)),
            reads: &reads)
        #expect(audit.delete == [v6, Self.key(Self.base + 9)])
        #expect(audit.create == [])
        #expect(reads == [])
    }

    @Test func aServiceLeadsToItsServerOnlyAloneByDirectRoutingWithWeight() {
        #expect(ProbeServiceAudit.leads([Self.route(Self.rs1)], to: Self.rs1))
        #expect(!ProbeServiceAudit.leads([], to: Self.rs1))
        #expect(!ProbeServiceAudit.leads([Self.route(Self.rs1, weight: 0)], to: Self.rs1))
        #expect(!ProbeServiceAudit.leads([Self.route(Self.rs1), Self.route(Self.rs2)], to: Self.rs1))
        let masquerade = Destination(address: Self.rs1, port: 8000, forwarding: .masquerade, weight: 1)
        #expect(!ProbeServiceAudit.leads([masquerade], to: Self.rs1))
        #expect(
            ProbeServiceAudit.describe([masquerade, Self.route(Self.rs2, weight: 0)])
                == "203.0.113.21 (Masq) at weight 1, 203.0.113.22 at weight 0")
        #expect(ProbeServiceAudit.describe([]) == "no real server")
    }

    @Test func aReadErrorEndsTheAudit() {
        let listed: Set<ServiceKey> = [Self.key(Self.base)]
        #expect(throws: IPVSError.notAvailable) {
            try ProbeServiceAudit(wanted: wanted, listed: listed, ledger: ProbeServiceLedger()) {
                (_) throws(IPVSError) in throw .notAvailable
            }
        }
    }
}
