import Primitives

/// Reads the `services` list: keys, checks merged over `defaults`, real servers, and the checks across services.
struct ServiceParser {
    static let serviceKeys = ["name", "vip", "fwmark", "family", "protocol", "check", "real_servers", "sorry_server"]
    static let realServerKeys = ["address", "weight", "check"]

    let defaults: CheckSettings
    let probeMarks: ClosedRange<UInt32>

    func parse(_ field: YAMLField) throws(ConfigError) -> [ServiceConfig] {
        var services: [ServiceConfig] = []
        var seenKeys: [ServiceKey: String] = [:]
        var seenNames: [String: String] = [:]
        for item in try field.sequence() {
            let (service, keyField) = try parseService(item)
            if let first = seenKeys[service.key] {
                throw keyField.error("duplicate of \(first) (\(service.key))")
            }
            seenKeys[service.key] = item.key
            if let name = service.name {
                if let first = seenNames[name] {
                    throw YAMLField(node: keyField.node, key: "\(item.key).name", file: item.file)
                        .error("name \(ConfigError.quoted(name)) already used by \(first)")
                }
                seenNames[name] = item.key
            }
            services.append(service)
        }
        return services
    }

    private func parseService(_ item: YAMLField) throws(ConfigError) -> (ServiceConfig, YAMLField) {
        let map = try item.mapping(known: Self.serviceKeys)
        let name = try map["name"]?.string()
        var check = defaults
        var caFile: YAMLField?
        if let field = map["check"] {
            check = try ConfigParser.check(field, known: ConfigParser.serviceCheckKeys, over: defaults)
            caFile = try field.mapping(known: ConfigParser.serviceCheckKeys)["tls_ca_file"]
        }
        try CAFile.vet(&check, given: caFile)
        let realServers =
            try map["real_servers"].map { (field) throws(ConfigError) in
                try parseRealServers(field, over: check)
            } ?? []
        let key: ServiceKey
        let keyField: YAMLField
        switch (map["vip"], map["fwmark"]) {
        case (let vip?, nil):
            let text = try vip.string()
            guard let endpoint = Endpoint(text) else {
                throw vip.error("must be ADDR:PORT or [ADDR6]:PORT (got \(ConfigError.quoted(text)))")
            }
            if let family = map["family"] { throw family.error("applies only to a fwmark service (a VIP has its own)") }
            key = .virtual(endpoint, try map["protocol"]?.choice(TransportProtocol.self, named: \.description) ?? .tcp)
            keyField = vip
            if let why = check.whyNot(key) {
                throw (map["check"] ?? map["protocol"] ?? vip).error("cannot be checked: \(why)")
            }
            for (index, server) in realServers.enumerated() {
                if let own = server.check, let why = own.whyNot(key) {
                    throw YAMLField(node: vip.node, key: "\(item.key).real_servers[\(index)].check", file: item.file)
                        .error("cannot be checked: \(why)")
                }
            }
        case (nil, let fwmark?):
            let mark = UInt32(try fwmark.int(in: 1...Int(UInt32.max)))
            if let proto = map["protocol"] { throw proto.error("does not apply to a fwmark service") }
            guard check.port != nil || check.type == .exec else {
                throw YAMLField(node: fwmark.node, key: "\(item.key).check.port", file: item.file)
                    .error("required for a fwmark service (the port to probe)")
            }
            for (index, server) in realServers.enumerated() {
                guard let own = server.check, own.port == nil, own.type != .exec else { continue }
                throw YAMLField(
                    node: fwmark.node, key: "\(item.key).real_servers[\(index)].check.port", file: item.file
                )
                .error("required for a fwmark service (the port to probe)")
            }
            guard !probeMarks.contains(mark) else {
                throw fwmark.error("\(mark) lies in probe_marks, which drcheck reserves for its probe services")
            }
            // Without `family`, real servers all IPv6 say it (DR needs the service's family): an entry written
            // before families were told apart, when `fwmark: N` also meant an IPv6 service, keeps meaning it.
            let listed: AddressFamily = Set(realServers.map(\.address.family)) == [.ipv6] ? .ipv6 : .ipv4
            let family = try map["family"]?.choice(AddressFamily.self, named: \.description) ?? listed
            key = .fwmark(mark, family: family)
            keyField = fwmark
        case (.some, .some):
            throw item.error("give either vip or fwmark, not both")
        case (nil, nil):
            throw item.error("needs vip or fwmark")
        }
        var sorry: RealServerConfig?
        if let field = map["sorry_server"] {
            var server = try Self.server(field)
            server.weight = realServers.first { $0.address == server.address && $0.port == server.port }?.weight ?? 1
            sorry = server
        }
        let service = ServiceConfig(name: name, key: key, check: check, realServers: realServers, sorryServer: sorry)
        return (service, keyField)
    }

    /// ADDR, ADDR:PORT or [ADDR6]:PORT (a destination on any port, or on that one).
    private static func server(_ field: YAMLField) throws(ConfigError) -> RealServerConfig {
        let text = try field.string()
        if let address = IPAddress(text) { return RealServerConfig(address: address) }
        if let endpoint = Endpoint(text) { return RealServerConfig(address: endpoint.address, port: endpoint.port) }
        throw field.error("must be ADDR, ADDR:PORT or [ADDR6]:PORT (got \"\(text)\")")
    }

    private func parseRealServers(_ field: YAMLField, over serviceCheck: CheckSettings) throws(ConfigError)
        -> [RealServerConfig]
    {
        var servers: [RealServerConfig] = []
        for item in try field.sequence() {
            let map = try item.mapping(known: Self.realServerKeys)
            guard let addressField = map["address"] else { throw item.error("needs address") }
            let text = try addressField.string()
            let server: RealServerConfig
            if let address = IPAddress(text) {
                server = RealServerConfig(address: address)
            } else if let endpoint = Endpoint(text) {
                server = RealServerConfig(address: endpoint.address, port: endpoint.port)
            } else {
                throw addressField.error("must be ADDR, ADDR:PORT or [ADDR6]:PORT (got \(ConfigError.quoted(text)))")
            }
            if servers.contains(where: { $0.address == server.address && $0.port == server.port }) {
                throw addressField.error("\(text) is listed twice")
            }
            var entry = server
            entry.weight = try map["weight"]?.int(in: 1...65535)
            if let field = map["check"] {
                var own = try ConfigParser.check(field, known: ConfigParser.serverCheckKeys, over: serviceCheck)
                try CAFile.vet(&own, given: try field.mapping(known: ConfigParser.serverCheckKeys)["tls_ca_file"])
                entry.check = own
            }
            servers.append(entry)
        }
        return servers
    }
}
