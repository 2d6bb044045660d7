import Foundation
import Testing

@testable import Daemon

@Suite struct SysctlsTests {
    /// A fake /proc/sys with the given values under net/ipv4/conf.
    func fakeRoot(_ values: [String: Int]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysctl-\(UUID().uuidString)").path
        for (key, value) in values {
            let path = "\(root)/net/ipv4/conf/\(key)"
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "\(value)\n".write(toFile: path, atomically: false, encoding: .utf8)
        }
        return root
    }

    @Test func soundInterfaceNeedsNothing() throws {
        let root = try fakeRoot(["eth1/accept_local": 1, "eth1/rp_filter": 0, "all/rp_filter": 2])
        #expect(DRSysctls(root: root).findings(interface: "eth1") == [])
    }

    @Test func acceptLocalOffAndStrictRPFilterAreBothNamedWithTheirFix() throws {
        let root = try fakeRoot(["eth1/accept_local": 0, "eth1/rp_filter": 0, "all/rp_filter": 1])
        let findings = DRSysctls(root: root).findings(interface: "eth1")
        #expect(
            findings.map(\.command) == [
                "sysctl -w net.ipv4.conf.eth1.accept_local=1", "sysctl -w net.ipv4.conf.eth1.rp_filter=2",
            ])
    }

    @Test func applyWritesTheWantedValue() throws {
        let root = try fakeRoot(["eth0.100/accept_local": 0, "eth0.100/rp_filter": 1, "all/rp_filter": 0])
        let sysctls = DRSysctls(root: root)
        let findings = sysctls.findings(interface: "eth0.100")
        #expect(findings.map(\.key) == ["net/ipv4/conf/eth0.100/accept_local", "net/ipv4/conf/eth0.100/rp_filter"])
        for finding in findings { try sysctls.apply(finding) }
        #expect(sysctls.findings(interface: "eth0.100") == [])
    }

    @Test func unwritableSysctlIsANamedError() throws {
        let sysctls = DRSysctls(root: "/nonexistent-\(UUID().uuidString)")
        let finding = DRSysctls.Finding(interface: "eth9", name: "accept_local", current: 0, wanted: 1)
        #expect(throws: SysctlError.self) { try sysctls.apply(finding) }
        do {
            try sysctls.apply(finding)
        } catch {
            #expect(error.description == "cannot set net.ipv4.conf.eth9.accept_local: No such file or directory")
        }
    }
}
