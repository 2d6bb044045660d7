/// The version reported by `--version`, the build-info metric and `/status`; set by the packaging build.
public enum DrcheckVersion {
    public static let current = "0.1.0"
}
