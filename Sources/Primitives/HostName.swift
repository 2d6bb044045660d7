#if canImport(Glibc)
    import Glibc
#endif

/// This machine's host name (gethostname), "localhost" when it has none.
public enum HostName {
    public static var current: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }
}
