import Primitives
import Testing

/// The probe benchmark's figures, as printf's %.Nf printed them (but for ties and minus zero).
@Suite struct FixedDecimalsTests {
    @Test func roundsToTheGivenDecimals() {
        #expect(1.26.fixed(1) == "1.3")
        #expect(0.0.fixed(2) == "0.00")
        #expect(12.3456.fixed(3) == "12.346")
        #expect(0.999.fixed(2) == "1.00")
        #expect(99.5.fixed(0) == "100")
        #expect(0.05.fixed(1) == "0.1")
        #expect((-2.5).fixed(1) == "-2.5")
        #expect((-0.001).fixed(2) == "0.00")
        #expect(Double.nan.fixed(1) == "nan")
        #expect((-Double.infinity).fixed(1) == "-inf")
    }
}
