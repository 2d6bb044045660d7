import Agent

/// `drcheck config import keepalived`: a keepalived configuration read, translated into drcheck's terms, and written
/// as drcheck YAML and as the ipvsadm rules of keepalived's table.
public enum KeepalivedImporter {
    /// Reads `file` (and what it includes); `configID` selects `@ID` lines as keepalived's `-i` does.
    public static func translate(file: String, configID: String? = nil) throws(ImportError) -> ImportedConfig {
        var reader = KeepalivedReader(configID: configID)
        try reader.read(file)
        let blocks = try KeepalivedBlock.parse(reader.lines)
        let kinds: Set = ["virtual_server", "vrrp_instance", "global_defs"]
        guard blocks.contains(where: { kinds.contains($0.keyword) && $0.children != nil }) else {
            throw ImportError(
                file: file, "not a keepalived configuration: no virtual_server, vrrp_instance or global_defs block")
        }
        let collector = WarningCollector()
        var config = ImportedConfig(source: file)
        config.notes = reader.warnings.map(\.description)
        var groups: [String: KeepalivedBlock] = [:]
        for block in blocks where block.keyword == "virtual_server_group" {
            groups[block.arguments.first ?? ""] = block
        }
        for block in blocks {
            switch block.keyword {
            case "global_defs", "virtual_server_group":
                continue
            case "virtual_server":
                let translator = VirtualServerTranslator(block: block, groups: groups, collector: collector)
                switch translator.services() {
                case .success(let services): config.services += services
                case .failure(let reason):
                    config.notes.append(
                        collector.warn(block.place, "\(translator.origin): \(reason.text): not translated"))
                }
            case let keyword where keyword.hasPrefix("vrrp_"):
                let text = "\(keyword) \(block.arguments.joined(separator: " ")) skipped: VRRP is not drcheck's job"
                config.notes.append("\(block.place): " + collector.warn(block.place, text))
            default:
                let text = "\(block.keyword) skipped: it has no meaning to drcheck"
                config.notes.append("\(block.place): " + collector.warn(block.place, text))
            }
        }
        config.leaveOutDuplicates()
        config.warnings = reader.warnings + collector.warnings
        return config
    }

    /// drcheck YAML for `config`, every comment at its place; `ConfigParser` reads it.
    public static func yaml(_ config: ImportedConfig) -> String { ImportYAMLWriter.text(config) }

    /// The YAML, or the error when it is more than drcheck loads (a group's ranges can make thousands of services
    /// of a few lines).
    public static func loadableYAML(_ config: ImportedConfig) throws(ImportError) -> String {
        let text = yaml(config)
        let size = text.utf8.count
        guard size <= ConfigFile.sizeLimit else {
            throw ImportError(
                file: config.source,
                "the drcheck configuration would be \(size) bytes (\(config.services.count) services), more than drcheck "
                    + "loads (\(ConfigFile.sizeLimit)): import the director's services in parts")
        }
        return text
    }

    /// `ipvsadm -R` input for the table keepalived builds.
    public static func ipvsadmRules(_ config: ImportedConfig) -> String { IPVSRules.text(config) }
}
