import Probe
import Testing

@testable import Daemon

@Suite struct BodyPatternsTests {
    @Test func eachTextGetsItsOwnPatternAndABadOneItsError() throws {
        let patterns = BodyPatterns()
        let ok = try patterns.pattern("^ok$")
        let healthy = try patterns.pattern("healthy")
        #expect(try patterns.pattern("^ok$") == ok)
        #expect(ok.matches(Array("ok\n".utf8)))
        #expect(!healthy.matches(Array("ok\n".utf8)))
        #expect(throws: BodyPattern.SyntaxError.self) { try patterns.pattern("(") }
    }
}
