import Primitives
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9469", ListenAddress.ipv4("127.0.0.1", port: 9469)),
        ("0.0.0.0:0", .ipv4("0.0.0.0", port: 0)),
        ("[::1]:9469", .ipv6("::1", port: 9469)),
        ("[::]:80", .ipv6("::", port: 80)),
        ("unix:/run/drcheck.sock", .unix(path: "/run/drcheck.sock")),
    ])
    func parses(text: String, expected: ListenAddress) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == expected)
        #expect(address.description == text)
    }

    @Test(arguments: [
        ("localhost:9469", #"invalid listen address "localhost:9469": "localhost" is not a numeric IPv4 address"#),
        ("9469", #"invalid listen address "9469": must be ADDR:PORT, [ADDR6]:PORT or unix:/path"#),
        (
            ":9469",
            #"invalid listen address ":9469": the address is missing (use 0.0.0.0:9469 or [::]:9469 for every address)"#
        ),
        ("::1:9469", #"invalid listen address "::1:9469": an IPv6 address needs brackets, as in [::1]:9469"#),
        ("[::g]:1", #"invalid listen address "[::g]:1": "::g" is not an IPv6 address"#),
        (
            "127.0.0.1:65536",
            #"invalid listen address "127.0.0.1:65536": the port "65536" is not a number from 0 to 65535"#
        ),
        ("127.0.0.1:", #"invalid listen address "127.0.0.1:": the port "" is not a number from 0 to 65535"#),
        ("127.0.0.1:+80", #"invalid listen address "127.0.0.1:+80": the port "+80" is not a number from 0 to 65535"#),
        ("unix:", #"invalid listen address "unix:": the unix socket path is empty"#),
        (
            "127.0.0.1\u{0}junk:80",
            "invalid listen address \"127.0.0.1\u{0}junk:80\": \"127.0.0.1\u{0}junk\" is not a numeric IPv4 address"
        ),
        (
            "unix:/" + String(repeating: "a", count: 107),
            #"invalid listen address "unix:/\#(String(repeating: "a", count: 107))": the unix socket path is longer than 107 bytes"#
        ),
    ])
    func refusesWithOneLine(text: String, message: String) {
        let error = #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
        #expect(error?.description == message)
    }
}
