import Foundation
import Primitives
import Testing

@testable import Agent
@testable import Storage

@Suite struct StateFileTests {
    /// A fresh directory for one test.
    func directory() throws -> String {
        let path = NSTemporaryDirectory() + "drcheck-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    func sample() -> AgentState {
        var state = AgentState()
        var drained = ServerRecord(weight: 0, up: false)
        drained.configured = 7
        drained.configuredFrom = .config
        drained.configWeight = 7
        drained.drainedBy = .drcheck
        drained.downClass = "timeout"
        drained.successes = 1
        var manual = ServerRecord(weight: 0, up: true)
        manual.drainedBy = .operator
        manual.failures = 2
        state.servers[Servers.rs1] = drained
        state.servers[ServerID(service: .fwmark(5, family: .ipv6), server: Endpoint("[2001:db8::7]:80")!)] = manual
        state.servers[
            ServerID(service: .fwmark(5, family: .ipv4), server: Endpoint("203.0.113.21:0", allowPortZero: true)!)] =
            drained
        return state
    }

    @Test func roundTrip() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/state.json")
        try file.save(sample())
        let loaded = file.load()
        #expect(loaded.warning == nil)
        #expect(loaded.state == sample())
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text.contains("\"version\" : 1"))
        #expect(text.contains("\"service\" : \"198.51.100.33:8000\\/tcp\""))
        #expect(text.contains("\"service\" : \"fwmark:5\""))
        #expect(text.contains("\"service\" : \"fwmark:5\\/ipv6\""))
        #expect(text.contains("\"drained_by\" : \"drcheck\""))
        #expect(text.contains("\"configured_from\" : \"config\""))
    }

    /// `json` saved as a state file in a fresh directory, then loaded.
    func load(_ json: String) throws -> (state: AgentState, warning: String?) {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try json.write(toFile: dir + "/state.json", atomically: false, encoding: .utf8)
        return StateFile(path: dir + "/state.json").load()
    }

    /// A file written before fwmark keys had a family names IPv4 services `fwmark:N`, as the IPv4 key still does.
    @Test func anOldFwmarkKeyLoadsAsIPv4() throws {
        let loaded = try load(
            """
            {"version": 1, "servers": [{"service": "fwmark:5", "server": "203.0.113.21:0", "record": {"weight": 0,
            "up": false, "successes": 1, "failures": 0, "ramping": false, "configured": 3}}]}
            """)
        #expect(loaded.warning == nil)
        let id = ServerID(service: .fwmark(5, family: .ipv4), server: Endpoint("203.0.113.21:0", allowPortZero: true)!)
        #expect(Array(loaded.state.servers.keys) == [id])
        #expect(loaded.state.servers[id]?.configured == 3)
        #expect(loaded.state.servers[id]?.up == false)
    }

    /// Before fwmark keys had a family, the previous release saved an IPv6 fwmark service's servers under `fwmark:N`
    /// too: their IPv6 addresses say which service they belong to, so a server it drained stays drcheck's to restore.
    @Test func anOldFwmarkKeyWithAnIPv6ServerLoadsAsTheIPv6Service() throws {
        let loaded = try load(
            """
            {"version": 1, "servers": [{"service": "fwmark:5", "server": "[2001:db8::7]:80", "record": {"weight": 0,
            "up": false, "successes": 0, "failures": 3, "ramping": false, "configured": 3, "drained_by": "drcheck"}}]}
            """)
        #expect(loaded.warning == nil)
        let id = ServerID(service: .fwmark(5, family: .ipv6), server: Endpoint("[2001:db8::7]:80")!)
        #expect(Array(loaded.state.servers.keys) == [id])
        #expect(loaded.state.servers[id]?.drainedBy == .drcheck)
    }

    @Test func saveReplacesTheFileAndLeavesNoTemporaryBehind() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/state.json")
        try file.save(AgentState())
        try file.save(sample())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])
        #expect(file.load().state == sample())
    }

    @Test func aFailedSaveSaysWhereAndKeepsTheOldFile() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/missing/state.json")
        #expect(
            throws: StateFile.SaveError(path: file.path, step: "create \(file.path).tmp.\(getpid())", errno: ENOENT)
        ) { try file.save(sample()) }
        #expect(
            StateFile.SaveError(path: "/x/state.json", step: "create /x/state.json.tmp.1", errno: ENOENT).description
                == "cannot save state to /x/state.json: create /x/state.json.tmp.1: No such file or directory")
    }

    @Test func theFileIsPaddedWithSpacesToWholeBlocksWithAQuarterToSpare() throws {
        #expect(StateFile.room(for: 100) == 3996)
        #expect(StateFile.room(for: 3000) == 1096)
        #expect(StateFile.room(for: 3500) == 4692)
        #expect(StateFile.room(for: 20000) == 8672)
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = StateFile(path: dir + "/state.json")
        try file.save(sample())
        let bytes = try #require(FileManager.default.contents(atPath: file.path))
        #expect(bytes.count == 4096)
        #expect(bytes.last == UInt8(ascii: " "))
        #expect(file.load() == (sample(), nil))
    }

    /// A full file system, as the save sees it: an empty state saved in `dir`, then no temporary file can be written
    /// (here a directory stands at its path).
    func emptyStateThatCannotBeReplaced(in dir: String) throws -> StateFile {
        let file = StateFile(path: dir + "/state.json")
        try file.save(AgentState())
        try FileManager.default.createDirectory(
            atPath: "\(file.path).tmp.\(getpid())", withIntermediateDirectories: false)
        return file
    }

    /// The state file is rewritten in place, within its size.
    @Test func aStateThatCannotBeReplacedIsRewrittenInPlace() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try emptyStateThatCannotBeReplaced(in: dir)
        try file.save(sample())
        #expect(file.load() == (sample(), nil))
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int == 4096)
        try file.save(AgentState())
        #expect(file.load() == (AgentState(), nil))
    }

    @Test func aStateTooLargeForItsFileInPlaceFailsWithTheReplacesError() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try emptyStateThatCannotBeReplaced(in: dir)
        let temporary = "\(file.path).tmp.\(getpid())"
        var large = AgentState()
        for port in 1...100 {
            large.servers[ServerID(service: Servers.rs1.service, server: Endpoint("203.0.113.21:\(port)")!)] =
                ServerRecord(weight: 1, up: true)
        }
        #expect(throws: StateFile.SaveError(path: file.path, step: "create \(temporary)", errno: EISDIR)) {
            try file.save(large)
        }
        #expect(file.load() == (AgentState(), nil))
    }

    @Test func inPlaceTheRestOfTheFileIsPadded() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/file"
        FileManager.default.createFile(atPath: path, contents: Data("0123456789".utf8))
        try InPlaceFile.overwrite(path, with: Array("abc".utf8), padding: UInt8(ascii: " "))
        #expect(FileManager.default.contents(atPath: path) == Data("abc       ".utf8))
        #expect(throws: FileWriteError(path: path, step: "rewrite in place (11 bytes, room for 10)", errno: ENOSPC)) {
            try InPlaceFile.overwrite(path, with: Array("abcdefghijk".utf8), padding: UInt8(ascii: " "))
        }
    }

    @Test func aMissingFileIsAFreshStartWithoutWarning() throws {
        let loaded = StateFile(path: "/nonexistent-\(UUID().uuidString)/state.json").load()
        #expect(loaded.state == AgentState())
        #expect(loaded.warning == nil)
    }

    @Test(arguments: [
        ("{not json", "is corrupt (The given data was not valid JSON.)"),
        (
            "{\"version\": 1}",
            "is corrupt (No value associated with key CodingKeys(stringValue: \"servers\", intValue: nil) (\"servers\").)"
        ),
        ("{\"version\": 9, \"servers\": []}", "has version 9, not 1"),
        (
            "{\"version\": 1, \"servers\": [{\"service\": \"nonsense\", \"server\": \"203.0.113.21:80\", \"record\": {}}]}",
            "is corrupt (servers.Index 0.service: bad service)"
        ),
        (
            "{\"version\": 1, \"servers\": [{\"service\": \"fwmark:5\", \"server\": \"203.0.113.21:80\", "
                + "\"record\": {\"weight\": -1, \"up\": true, \"successes\": 0, \"failures\": 0, \"ramping\": false}}]}",
            "is corrupt (servers: weight out of range for 203.0.113.21:80)"
        ),
    ])
    func aCorruptFileIsAFreshStartWithAWarning(content: String, problem: String) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.json"
        try content.write(toFile: path, atomically: false, encoding: .utf8)
        let loaded = StateFile(path: path).load()
        #expect(loaded.state == AgentState())
        #expect(loaded.warning == "state file \(path) \(problem); starting fresh from the kernel's weights")
    }

    @Test func anUnreadableFileIsAFreshStartWithAWarning() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/state.json"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let loaded = StateFile(path: path).load()
        #expect(loaded.state == AgentState())
        #expect(loaded.warning == "state file \(path) is unreadable; starting fresh from the kernel's weights")
    }

    @Test func theLockIsExclusiveAndNamesItsHolder() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = dir + "/state.json"
        guard case .acquired(let lock) = try StateLock.acquire(forState: state) else {
            Issue.record("the first acquire should succeed")
            return
        }
        #expect(lock.path == state + ".lock")
        guard case .heldBy(let pid) = try StateLock.acquire(forState: state) else {
            Issue.record("the second acquire should find the lock held")
            return
        }
        #expect(pid == getpid())
        lock.release()
        guard case .acquired = try StateLock.acquire(forState: state) else {
            Issue.record("after release the lock should be free")
            return
        }
    }

    @Test func aLockInAMissingDirectoryIsAnError() {
        let state = "/nonexistent-\(UUID().uuidString)/state.json"
        #expect(throws: StateLock.LockError(path: state + ".lock", errno: ENOENT)) {
            try StateLock.acquire(forState: state)
        }
    }
}
