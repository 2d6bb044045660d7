import Glibc
import Testing

@testable import Exporter

/// The listener's spare descriptor: freed just for the accept that found none, taken back when that fails.
struct DescriptorReserveTests {
    private let reserve = DescriptorReserve()

    @Test func itIsFreeDuringTheAcceptAndLentAfterIt() {
        reserve.take()
        #expect(reserve.held)
        var heldDuringAccept: Bool?
        let accepted = reserve.lend {
            heldDuringAccept = reserve.held
            return 42
        }
        #expect(accepted == 42)
        #expect(heldDuringAccept == false)
        #expect(!reserve.held)
        reserve.take()
        #expect(reserve.held)
    }

    @Test func aFailedAcceptTakesItBackAndKeepsItsErrno() {
        reserve.take()
        let accepted = reserve.lend {
            errno = EAGAIN
            return -1
        }
        #expect(accepted == -1)
        #expect(errno == EAGAIN)
        #expect(reserve.held)
    }

    @Test func whileLentThereIsNothingToLend() {
        reserve.take()
        _ = reserve.lend { 42 }
        var called = false
        let accepted = reserve.lend {
            called = true
            return 7
        }
        #expect(accepted == -1)
        #expect(!called)
    }
}
