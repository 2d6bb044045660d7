#if canImport(Glibc)
    import Glibc
#endif

/// Writes `text` to standard error unbuffered, so it is never lost on exit().
func printError(_ text: String) {
    var text = text + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
