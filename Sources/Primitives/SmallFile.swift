import Glibc

/// The first few KiB of a small text file (sysfs, procfs), or nil when it cannot be read.
public func readSmallFile(_ path: String, limit: Int = 65536) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while data.count < limit {
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { break }
        data += buffer.prefix(count)
    }
    return String(decoding: data, as: UTF8.self)
}
