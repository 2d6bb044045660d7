/// `tls_ca_file`: vetted when the config is loaded, so that a missing or unusable file is a config error (and a
/// reload naming one keeps the running config) instead of a tls_error on every probe.
enum CAFile {
    static func path(_ field: YAMLField) throws(ConfigError) -> String {
        let path = try field.string()
        guard path.hasPrefix("/") else {
            throw field.error("must be an absolute path (got \(ConfigError.quoted(path)))")
        }
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(path)
        } catch {
            throw field.error("cannot read \(ConfigError.shown(path)): \(error)")
        }
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw field.error("\(ConfigError.shown(path)) holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        }
        return path
    }

    /// A service's check verifies with its own `tls_ca_file` only where a certificate is verified; one inherited
    /// from `defaults` is dropped where none is (scheme http, tls_verify false).
    static func vet(_ check: inout CheckSettings, given field: YAMLField?) throws(ConfigError) {
        guard check.tlsCAFile != nil else { return }
        if let field {
            guard check.scheme == .https else {
                throw field.error("needs scheme: https (this check's scheme is \(check.scheme.rawValue))")
            }
            guard check.tlsVerify else {
                throw field.error("cannot be used with tls_verify: false (no certificate is verified)")
            }
        } else if check.scheme != .https || !check.tlsVerify {
            check.tlsCAFile = nil
        }
    }
}
