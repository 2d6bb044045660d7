import Foundation
import Testing

@testable import Agent

/// What `--config` (or `tls_ca_file`) may name that is no configuration: each refused on one line that names the
/// problem, by stat before anything is read, and nothing read past the size limit.
struct ConfigFileTests {
    /// What loading `path` says.
    func loaded(_ path: String) -> String {
        do {
            _ = try ConfigLoader.load(path: path)
            return "loaded"
        } catch {
            return error.description
        }
    }

    /// A file in a private folder (gone with `files`) holding `bytes`.
    func file(_ files: TLSCAFileConfigTests.Files, _ bytes: some Sequence<UInt8>) throws -> String {
        let path = files.folder + "/drcheck.yaml"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aDirectory() throws {
        let files = try TLSCAFileConfigTests.Files()
        #expect(loaded(files.folder) == "\(files.folder): cannot read: is a directory")
    }

    @Test func aCharacterDevice() {
        #expect(loaded("/dev/zero") == "/dev/zero: cannot read: not a regular file")
    }

    /// Opened for reading, a FIFO would wait for a writer.
    @Test(.timeLimit(.minutes(1))) func aFIFO() throws {
        let files = try TLSCAFileConfigTests.Files()
        let fifo = files.folder + "/fifo.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(loaded(fifo) == "\(fifo): cannot read: not a regular file")
    }

    @Test func aFileOfTheSizeLimitIsReadAndOneByteMoreIsNot() throws {
        let files = try TLSCAFileConfigTests.Files()
        let comment = "#" + String(repeating: "a", count: ConfigFile.sizeLimit - 2) + "\n"
        let path = try file(files, comment.utf8)
        #expect(loaded(path) == "loaded")
        _ = try file(files, (comment + "\n").utf8)
        #expect(loaded(path) == "\(path): cannot read: larger than 1048576 bytes")
    }

    /// Refused by its size alone: a sparse file, of which nothing need be read.
    @Test func aTenMegabyteFile() throws {
        let files = try TLSCAFileConfigTests.Files()
        let path = try file(files, [])
        #expect(truncate(path, 10 << 20) == 0)
        #expect(loaded(path) == "\(path): cannot read: larger than 1048576 bytes")
    }

    @Test func notUTF8NamesTheLine() throws {
        let files = try TLSCAFileConfigTests.Files()
        let path = try file(files, Array("discover: true\n# caf".utf8) + [0xE9, 0x0A])
        #expect(loaded(path) == "\(path):2: not UTF-8 text")
    }
}
