/// A Prometheus text exposition read back: each sample by its series (name and labels as rendered).
struct Exposition {
    var samples: [String: String] = [:]
    var types: [String: String] = [:]
    var helps: [String: String] = [:]
    let text: String

    init(_ bytes: [UInt8]) {
        text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 3)
            if line.hasPrefix("# TYPE ") {
                types[String(words[2])] = String(words[3])
            } else if line.hasPrefix("# HELP ") {
                helps[String(words[2])] = String(words[3])
            } else if let space = line.lastIndex(of: " ") {
                samples[String(line[..<space])] = String(line[line.index(after: space)...])
            }
        }
    }

    /// Series whose rendering contains `fragment`.
    func series(containing fragment: String) -> [String] {
        samples.keys.filter { $0.contains(fragment) }.sorted()
    }
}
