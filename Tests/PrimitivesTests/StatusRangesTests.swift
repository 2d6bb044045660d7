import Testing

@testable import Primitives

@Suite struct StatusRangesTests {
    @Test func parsesListsAndRanges() throws {
        let ranges = try StatusRanges(parsing: "200, 204,300 - 399")
        #expect(ranges.ranges == [200...200, 204...204, 300...399])
        #expect(ranges.description == "200,204,300-399")
        #expect(ranges.contains(204))
        #expect(ranges.contains(399))
        #expect(!ranges.contains(201))
        #expect(!ranges.contains(400))
        #expect(try StatusRanges(parsing: "100-599") == StatusRanges([100...599]))
        #expect(try StatusRanges(parsing: "200-200").description == "200")
    }

    @Test(arguments: [
        ("", "\"\" is not a status or a range LOW-HIGH"),
        ("200,,204", "\"\" is not a status or a range LOW-HIGH"),
        ("1-2-3", "\"1-2-3\" is not a status or a range LOW-HIGH"),
        ("abc", "\"abc\" is not an HTTP status (100-599)"),
        ("99", "\"99\" is not an HTTP status (100-599)"),
        ("200-600", "\"600\" is not an HTTP status (100-599)"),
        ("200-", "\"\" is not an HTTP status (100-599)"),
        ("+200", "\"+200\" is not an HTTP status (100-599)"),
        ("300-200", "range 300-200 is empty"),
        ("2٠٠", "\"2٠٠\" is not an HTTP status (100-599)"),
    ])
    func rejects(text: String, reason: String) {
        #expect(throws: StatusRanges.ParseError(text: text, reason: reason)) { try StatusRanges(parsing: text) }
    }

    @Test func errorNamesTheWholeList() {
        let error = StatusRanges.ParseError(text: "200-", reason: "\"\" is not an HTTP status (100-599)")
        #expect(error.description == "invalid status list \"200-\": \"\" is not an HTTP status (100-599)")
    }
}
