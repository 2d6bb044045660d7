import Glibc

/// Writes `text` and a newline to standard error unbuffered, so it is never lost on exit(); every command's one-line
/// errors go through it.
public func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}
