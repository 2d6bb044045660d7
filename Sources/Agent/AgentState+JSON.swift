import FoundationEssentials

extension AgentState {
    /// The state file's form: snake_case keys, sorted and indented for a reader, one final line feed (as
    /// JSONEncoder's pretty, sorted output, which `init(json:)` reads).
    public func json() -> [UInt8] {
        // About 330 bytes a server, and room for the state file's padding of a quarter more (`StateFile.save`).
        var json = PrettyJSON(capacity: 4096 + 420 * servers.count)
        json.object { json in
            json.key("servers")
            json.array { json in
                for (id, record) in servers.sorted(by: { $0.key < $1.key }) {
                    json.element()
                    json.object { json in
                        json.key("record")
                        record.write(to: &json)
                        json.key("server")
                        json.string(id.server.description)
                        json.key("service")
                        json.string(id.service.description)
                    }
                }
            }
            json.key("version")
            json.number(version)
        }
        return json.bytes + [UInt8(ascii: "\n")]
    }

    /// The state read back from `json()`'s form, whatever its version (the caller compares it).
    public init(json: Data) throws(StateDecodingError) {
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            self = try decoder.decode(AgentState.self, from: json)
        } catch {
            throw StateDecodingError(reason: Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

extension ServerRecord {
    /// The record's members in sorted order, nil ones left out, as its Codable form names them.
    fileprivate func write(to json: inout PrettyJSON) {
        json.object { json in
            func member(_ name: String, _ value: (inout PrettyJSON) -> Void) {
                json.key(name)
                value(&json)
            }
            if let configWeight { member("config_weight") { $0.number(configWeight) } }
            if let configured { member("configured") { $0.number(configured) } }
            if let configuredFrom { member("configured_from") { $0.string(configuredFrom.rawValue) } }
            if let downClass { member("down_class") { $0.string(downClass) } }
            if let drainedBy { member("drained_by") { $0.string(drainedBy.rawValue) } }
            member("failures") { $0.number(failures) }
            if let maintenance {
                member("maintenance") { json in
                    json.object { json in
                        json.key("at")
                        json.number(maintenance.at)
                        json.key("by")
                        json.string(maintenance.by)
                        json.key("reason")
                        json.string(maintenance.reason)
                    }
                }
            }
            member("ramping") { $0.bool(ramping) }
            member("successes") { $0.number(successes) }
            member("up") { $0.bool(up) }
            member("weight") { $0.number(weight) }
        }
    }
}

/// Saved state that does not decode: the field and what is wrong with it.
public struct StateDecodingError: Error, Equatable, Sendable {
    public var reason: String
}
