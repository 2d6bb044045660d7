import Agent
import Primitives

/// The servers the files hold in these tests: the lab's service and its two real servers.
enum Servers {
    static let service = ServiceKey("198.51.100.33:8000/tcp")!
    static let rs1 = ServerID(service: service, server: Endpoint("203.0.113.21:8000")!)
    static let rs2 = ServerID(service: service, server: Endpoint("203.0.113.22:8000")!)
}
