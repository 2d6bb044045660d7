/// Parses an HTTP/1.x request head (RFC 9112) from the start of a buffer, strictly: anything ambiguous is a 400.
/// Garbage is refused as soon as its first line shows it, not when the size limit is reached.
enum HTTPRequestParser {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    static func parse(_ bytes: [UInt8], limit: Int) -> HTTPParseResult {
        var lines: [Range<Int>] = []
        var lineStart = 0
        for index in bytes.indices {
            if index >= limit { return .invalid(.headerFieldsTooLarge) }
            guard bytes[index] == lf else { continue }
            let end = index > lineStart && bytes[index - 1] == cr ? index - 1 : index
            defer { lineStart = index + 1 }
            if end > lineStart {
                lines.append(lineStart..<end)
            } else if !lines.isEmpty {
                return interpret(bytes, lines: lines, length: index + 1)
            }  // Empty lines before the request line are ignored (RFC 9112 section 2.2).
        }
        if let first = lines.first {
            if case .invalid(let status) = requestLine(bytes[first]) { return .invalid(status) }
        } else {
            // A CR last may be the first half of a blank line's CRLF, which a request may start with.
            let pending = bytes.last == cr ? bytes[lineStart..<bytes.count - 1] : bytes[lineStart...]
            if !pending.prefix(while: { $0 != space }).allSatisfy(isTokenByte) { return .invalid(.badRequest) }
        }
        return .incomplete
    }

    private static func interpret(_ bytes: [UInt8], lines: [Range<Int>], length: Int) -> HTTPParseResult {
        var head: HTTPRequestHead
        switch requestLine(bytes[lines[0]]) {
        case .valid(let parsed): head = parsed
        case .invalid(let status): return .invalid(status)
        }
        var hosts = 0
        var contentLength: Substring?
        for line in lines.dropFirst() {
            guard let field = Field(bytes[line]) else { return .invalid(.badRequest) }
            switch field.name {
            case "connection":
                head.connectionOptions += field.value.split(separator: ",").map {
                    $0.trimmingWhitespace().lowercased()
                }
            case "content-length":
                guard !field.value.isEmpty, field.value.utf8.allSatisfy(isDigit),
                    contentLength == nil || contentLength == field.value
                else { return .invalid(.badRequest) }
                contentLength = field.value
                head.hasBody = head.hasBody || field.value.contains { $0 != "0" }
            case "transfer-encoding":
                head.hasBody = true
            case "accept-encoding":
                head.acceptsGzip = head.acceptsGzip || acceptsGzip(field.value)
            case "host":
                hosts += 1
            default:
                break
            }
        }
        // RFC 9112 section 3.2: an HTTP/1.1 request without exactly one Host field gets a 400.
        if head.minorVersion == 1 && hosts != 1 { return .invalid(.badRequest) }
        return .request(head, length: length)
    }

    /// Whether an Accept-Encoding value lists gzip (or x-gzip) without `q=0` (RFC 9110 section 12.5.3).
    static func acceptsGzip(_ value: Substring) -> Bool {
        value.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingWhitespace().lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
            return (quality ?? 1) > 0
        }
    }

    private enum RequestLine {
        case valid(HTTPRequestHead)
        case invalid(HTTPStatus)
    }

    private static func requestLine(_ line: ArraySlice<UInt8>) -> RequestLine {
        let parts = line.split(separator: space, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
            let path = path(of: parts[1])
        else { return .invalid(.badRequest) }
        let version = String(decoding: parts[2], as: UTF8.self)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default:
            let shaped =
                version.hasPrefix("HTTP/") && version.count == 8
                && version.utf8.dropFirst(5).enumerated().allSatisfy {
                    $0.offset == 1 ? $0.element == UInt8(ascii: ".") : isDigit($0.element)
                }
            return .invalid(shaped ? .versionNotSupported : .badRequest)
        }
        return .valid(
            HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self), path: path, minorVersion: minor))
    }

    /// The path of an origin-form (`/metrics?x`) or absolute-form (`http://host/metrics`) target.
    private static func path(of target: ArraySlice<UInt8>) -> String? {
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        var text = Substring(String(decoding: target, as: UTF8.self))
        if let scheme = text.firstRange(of: "://"), text.hasPrefix("http") {
            let afterAuthority = text[scheme.upperBound...]
            text = afterAuthority.firstIndex(of: "/").map { afterAuthority[$0...] } ?? "/"
        }
        guard text.hasPrefix("/") || text == "*" else { return nil }
        return String(text.prefix { $0 != "?" && $0 != "#" })
    }

    /// One `name: value` header line; nil when malformed (no colon, a bad name, control bytes, a folded line).
    private struct Field {
        var name: String
        var value: Substring

        init?(_ line: ArraySlice<UInt8>) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[..<colon].allSatisfy(HTTPRequestParser.isTokenByte),
                line[(colon + 1)...].allSatisfy({ $0 == HTTPRequestParser.tab || ($0 >= 0x20 && $0 != 0x7F) })
            else { return nil }
            name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            value = Substring(String(decoding: line[(colon + 1)...], as: UTF8.self)).trimmingWhitespace()
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        let start = text.firstIndex { $0 != " " && $0 != "\t" } ?? text.endIndex
        let end = text.lastIndex { $0 != " " && $0 != "\t" }.map { text.index(after: $0) } ?? start
        return text[start..<Swift.max(start, end)]
    }
}
