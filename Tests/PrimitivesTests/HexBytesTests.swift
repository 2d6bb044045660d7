import Primitives
import Testing

struct HexBytesTests {
    @Test func pairsOfDigitsEitherCaseAreBytes() {
        #expect(HexBytes.decode("2a310D0a") == [0x2a, 0x31, 0x0d, 0x0a])
        #expect(HexBytes.decode("") == [])
        #expect(HexBytes.encode([0xff, 0, 0x0d, 0x0a]) == "ff000d0a")
    }

    @Test(arguments: ["0", "0g", "+f", "-1", "0x0a", "a b"])
    func anythingElseIsNone(text: String) {
        #expect(HexBytes.decode(text) == nil)
    }
}
