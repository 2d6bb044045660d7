import Glibc
import Primitives
import Testing

@testable import Agent
@testable import Storage

/// The drains file: beside the state file, read back as written, a missing file is no drain, a damaged one an error
/// (never read as "no drains", which would hand every drained server back).
struct DrainsFileTests {
    static let rs1 = Servers.rs1
    static let rs2 = Servers.rs2

    func folder() -> String {
        var template = Array("/tmp/drcheck-drains-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template))
    }

    @Test func itLivesBesideTheStateFile() {
        #expect(DrainsFile(forState: "/var/lib/drcheck/state.json").path == "/var/lib/drcheck/drains.json")
        #expect(DrainsFile(forState: "state.json").path == "drains.json")
    }

    @Test func drainsAreReadBackAsWritten() throws {
        let file = DrainsFile(forState: folder() + "/state.json")
        #expect(try file.load() == [:])
        let note = DrainNote(reason: "deploy \"4.2\"\nsecond line", by: "alice", at: 1_764_600_000.25)
        _ = try file.update { $0[Self.rs1] = note }
        _ = try file.update { $0[Self.rs2] = note }
        #expect(try file.load() == [Self.rs1: note, Self.rs2: note])
        let left = try file.update { $0[Self.rs1] = nil }
        #expect(left == [Self.rs2: note])
        #expect(try file.load() == [Self.rs2: note])
    }

    @Test func aDamagedFileIsAnErrorNotAnEmptyList() throws {
        let file = DrainsFile(forState: folder() + "/state.json")
        let fd = open(file.path, O_WRONLY | O_CREAT, 0o644)
        _ = write(fd, "{\"version\": 1, \"drains\": [{\"service\": 5}]}", 41)
        close(fd)
        #expect(throws: DrainsFile.ReadError.self) { try file.load() }
        #expect(throws: DrainsFile.ReadError.self) { try file.update { $0 = [:] } }
    }
}
