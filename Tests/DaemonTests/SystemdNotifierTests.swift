import Agent
import Foundation
import Glibc
import Testing

@testable import Daemon

@Suite struct SystemdNotifierTests {
    @Test func datagramsReachTheNotifySocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.notify("READY=1")
        notifier.notify("STATUS=probing 3 servers")
        var buffer = [UInt8](repeating: 0, count: 256)
        let first = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(String(decoding: buffer.prefix(max(first, 0)), as: UTF8.self) == "READY=1")
        let second = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(String(decoding: buffer.prefix(max(second, 0)), as: UTF8.self) == "STATUS=probing 3 servers")
    }

    @Test func withoutNotifySocketNothingIsSentAndWatchdogFollowsTheEnvironment() {
        #expect(!SystemdNotifier(environment: [:]).isActive)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "2000000"]) == .seconds(1))
        #expect(
            SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "x"]) == nil)
    }

    @Test func theStatusLineTalliesServersWithThousandsSeparated() {
        var drained = ServerRecord(weight: 0, up: true)
        drained.drainedBy = .operator
        let servers =
            Array(repeating: ServerRecord(weight: 1, up: true), count: 1998)
            + [ServerRecord(weight: 0, up: false), drained, ServerRecord(weight: 1, up: false)]
        #expect(SystemdStatus.text(servers) == "2,001 servers: 1,998 up, 2 down, 1 drained by hand")
        #expect(SystemdStatus.text([]) == "0 servers: 0 up, 0 down, 0 drained by hand")
        #expect(
            [0, 999, 1000, 123_456_789, -1234].map(SystemdStatus.grouped) == [
                "0", "999", "1,000", "123,456,789", "-1,234",
            ])
    }
}
