import Logging
import Testing

@testable import Daemon

@Suite struct ConditionLogTests {
    @Test func aConditionIsLoggedWhenItBeginsOrChangesAndOnceWhenItEnds() {
        let book = LogBook()
        let conditions = ConditionLog(Logger(label: "test") { _ in LogBookHandler(book: book, logLevel: .info) })
        conditions.raise("ipvs-read", .error, "cannot read the IPVS table: gone")
        conditions.raise("ipvs-read", .error, "cannot read the IPVS table: gone")
        conditions.raise("ipvs-read", .error, "cannot read the IPVS table: refused")
        #expect(conditions.message(of: "ipvs-read") == "cannot read the IPVS table: refused")
        conditions.clear("ipvs-read", "IPVS table readable again")
        conditions.clear("ipvs-read", "IPVS table readable again")
        conditions.clear("never-raised", "not logged")
        conditions.summarize(ConditionLog.logBurst, "ten lines")
        conditions.summarize(ConditionLog.logBurst + 1, drains: true, "eleven drains")
        #expect(
            book.take() == [
                "<3>cannot read the IPVS table: gone", "<3>cannot read the IPVS table: refused",
                "<5>IPVS table readable again", "<4>eleven drains (each at debug level)",
            ])
        #expect(conditions.message(of: "ipvs-read") == nil)
    }
}
