import Testing

@testable import Daemon

@Suite struct DirectorInterfacesTests {
    @Test func loopbackHoldsItsAddressAndIsTheWayToItsNetwork() {
        let interfaces = DirectorInterfaces.current()
        #expect(interfaces.holds("127.0.0.1")?.interface == "lo")
        let toward = interfaces.local(toward: "127.0.0.9")
        #expect(toward?.interface == "lo")
        #expect(toward?.address == "127.0.0.1")
        #expect(toward?.prefixLength == 8)
        #expect(interfaces.local(toward: "not an address") == nil)
        #expect(interfaces.holds("203.0.113.250") == nil)
    }
}
