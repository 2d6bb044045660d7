import CZlib
import EventLoop

/// gzip (RFC 1952) through zlib, fed a piece at a time between due probes: 2,000 servers' exposition is 5 MB.
final class Gzip {
    /// Input per piece: well under a slice of work at zlib's fastest level.
    static let piece = 64 * 1024

    private var stream = z_stream()
    private(set) var output: [UInt8] = []

    /// Level 1: the exposition's repetitive text still shrinks about tenfold, for the least CPU. Nil when zlib
    /// cannot start (out of memory).
    private init?() {
        // 15 bits of window, plus 16 for the gzip header and trailer instead of zlib's.
        let started = deflateInit2_(
            &stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard started == Z_OK else { return nil }
    }

    deinit { deflateEnd(&stream) }

    /// `body` compressed on `loop` in slices; `done` gets the gzip bytes, or none if zlib failed (gzip is never
    /// empty).
    static func compress(_ body: [UInt8], on loop: EventLoop, _ done: @escaping ([UInt8]) -> Void) {
        guard let gzip = Gzip() else { return done([]) }
        let pieces = max(1, (body.count + piece - 1) / piece)
        var failed = false
        loop.runInSlices(
            count: pieces, slice: .milliseconds(2),
            { index in
                let range = min(index * piece, body.count)..<min((index + 1) * piece, body.count)
                failed = failed || !gzip.add(body[range], last: index == pieces - 1)
            }, done: { done(failed ? [] : gzip.output) })
    }

    /// Compresses `input`, and with `last` ends the stream; false on a zlib error.
    private func add(_ input: ArraySlice<UInt8>, last: Bool) -> Bool {
        var out = [UInt8](repeating: 0, count: Self.piece)
        return input.withUnsafeBufferPointer { bytes in
            stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress)
            stream.avail_in = UInt32(bytes.count)
            while true {
                let status = out.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                }
                output += out.prefix(out.count - Int(stream.avail_out))
                guard status == Z_OK || status == Z_BUF_ERROR || status == Z_STREAM_END else { return false }
                // Done with the stream at its end; before it, once zlib left room in the output (it wants input) or
                // could make no progress (it has none).
                if last ? status == Z_STREAM_END : status == Z_BUF_ERROR || stream.avail_out > 0 { return true }
            }
        }
    }
}
