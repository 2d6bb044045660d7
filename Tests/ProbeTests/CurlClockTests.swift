import CCurl
import EventLoop
import Glibc
import Testing

/// While drcheck calls into libcurl, libcurl's monotonic clock and time() are the loop's turn time (CCurl.h).
@Suite struct CurlClockTests {
    @Test func frozenMonotonicClockIsTheGivenTimeOnThisThreadUntilThawed() {
        let frozenAt = Monotonic.now().nanoseconds - 2_500_000_000
        drcheck_clock_freeze(Int64(frozenAt))
        var monotonic = timespec()
        var realtime = timespec()
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        clock_gettime(CLOCK_REALTIME, &realtime)
        let frozenWall = time(nil)
        drcheck_clock_thaw()
        #expect(UInt64(monotonic.tv_sec) * 1_000_000_000 + UInt64(monotonic.tv_nsec) == frozenAt)
        // The wall clock itself is never frozen; time() follows the frozen monotonic clock: 2.5 s ago.
        let wall = time(nil)
        #expect(abs(Int(realtime.tv_sec) - wall) <= 1)
        #expect((wall - 4)...(wall - 1) ~= frozenWall)
        // Thawed: the real clock again, well past the frozen time.
        #expect(Monotonic.now().nanoseconds >= frozenAt + 2_500_000_000)
    }
}
