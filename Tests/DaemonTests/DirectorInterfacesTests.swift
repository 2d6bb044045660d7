import Primitives
import Testing

@testable import Daemon

@Suite struct DirectorInterfacesTests {
    @Test func loopbackHoldsItsAddressAndIsTheWayToItsNetwork() {
        let interfaces = DirectorInterfaces.current()
        #expect(interfaces.holds(IPAddress("127.0.0.1")!)?.interface == "lo")
        let toward = interfaces.local(toward: IPAddress("127.0.0.9")!)
        #expect(toward?.interface == "lo")
        #expect(toward?.address == IPAddress("127.0.0.1")!)
        #expect(toward?.prefixLength == 8)
        #expect(interfaces.local(toward: IPAddress("203.0.113.250")!) == nil)
        #expect(interfaces.holds(IPAddress("203.0.113.250")!) == nil)
    }
}
