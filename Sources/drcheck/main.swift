import ArgumentParser
import Daemon

#if canImport(Glibc)
    import Glibc
#endif

// A usage error exits 2, as a config error does (ArgumentParser's own is 64); help and version stay 0.
do {
    var command = try Drcheck.parseAsRoot()
    try command.run()
} catch {
    let code = Drcheck.exitCode(for: error)
    if code == .success {
        Drcheck.exit(withError: error)
    }
    if let exit = error as? ExitCode {
        Glibc.exit(exit.rawValue)
    }
    let message = Drcheck.message(for: error)
    if !message.isEmpty {
        printError("drcheck: \(message)")
    }
    Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
}
