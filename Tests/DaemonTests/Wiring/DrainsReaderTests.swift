import Agent
import Foundation
import Logging
import Storage
import Testing

@testable import Daemon

/// The drains file read again only when it changed or when asked; an unreadable one changes nothing.
@Suite struct DrainsReaderTests {
    let folder = NSTemporaryDirectory() + "drcheck-drains-\(UUID().uuidString)"
    let book = LogBook()
    let file: DrainsFile
    let reader: DrainsReader

    init() throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        file = DrainsFile(forState: folder + "/state.json")
        let book = book
        let log = Logger(label: "drcheck") { _ in LogBookHandler(book: book, logLevel: .info) }
        reader = DrainsReader(file, conditions: ConditionLog(log))
    }

    static let note = DrainNote(reason: "kernel update", by: "ops", at: 1_700_000_000)

    @Test func readAgainOnlyWhenTheFileChangedOrWhenAsked() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // No file: no drain, read once.
        #expect(reader.read() == [:])
        #expect(reader.read() == nil)
        _ = try file.update { $0[DaemonHarness.id(11)] = Self.note }
        #expect(reader.read() == [DaemonHarness.id(11): Self.note])
        #expect(reader.read() == nil)
        #expect(reader.read(force: true) == [DaemonHarness.id(11): Self.note])
        #expect(book.take().isEmpty)
    }

    @Test func anUnreadableFileKeepsTheDrainsAndIsSaidOnceUntilItIsReadable() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: file.path, withIntermediateDirectories: true)
        #expect(reader.read() == nil)
        #expect(reader.read(force: true) == nil)
        #expect(
            book.take() == [
                "<3>cannot read \(file.path): not a regular file of at most 4 MiB; the drains stay as they were"
            ])
        try FileManager.default.removeItem(atPath: file.path)
        #expect(reader.read() == [:])
        #expect(book.take() == ["<5>\(file.path) readable again"])
    }
}
