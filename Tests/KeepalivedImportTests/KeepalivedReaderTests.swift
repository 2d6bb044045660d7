import Testing

@testable import KeepalivedImport

/// keepalived's syntax as the reader and the block parser take it: comments, quotes, braces, includes, conditional
/// lines, variables, and input that is no keepalived configuration.
struct KeepalivedReaderTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    func blocks(_ text: String, configID: String? = nil) throws -> [KeepalivedBlock] {
        var reader = KeepalivedReader(configID: configID)
        try reader.read(try fixture.write("keepalived.conf", text))
        return try KeepalivedBlock.parse(reader.lines)
    }

    @Test func commentsQuotesAndBracesOnEitherLine() throws {
        let parsed = try blocks(
            """
            ! a comment
            virtual_server 10.0.0.1 80   # another
            {
                virtualhost "www.example.com"   ! a comment after a word
                misc_path "/bin/check 'a b' #not-a-comment"
                url { path /a#b }
                real_server 10.0.0.2 80{
                    weight 3
                }
            }
            """)
        #expect(parsed.count == 1)
        let server = parsed[0]
        #expect(server.keyword == "virtual_server")
        #expect(server.arguments == ["10.0.0.1", "80"])
        #expect(server.place.line == 2)
        #expect(server.value("virtualhost") == "www.example.com")
        #expect(server.value("misc_path") == "/bin/check 'a b' #not-a-comment")
        #expect(server.last("url")?.value("path") == "/a#b")
        #expect(server.last("real_server")?.value("weight") == "3")
        #expect(server.last("real_server")?.place.line == 7)
    }

    @Test func includesByGlobRelativeToTheIncludingFile() throws {
        try fixture.write("conf.d/b.conf", "virtual_server 10.0.0.2 80 {\n  include ../servers/*.conf\n}\n")
        try fixture.write("conf.d/a.conf", "virtual_server 10.0.0.1 80 {\n}\n")
        try fixture.write("servers/rs.conf", "real_server 10.0.1.1 80 {\n  weight 2\n}\n")
        let parsed = try blocks("global_defs {\n}\ninclude conf.d/*.conf\n")
        #expect(parsed.map(\.keyword) == ["global_defs", "virtual_server", "virtual_server"])
        #expect(parsed[1].arguments == ["10.0.0.1", "80"])
        #expect(parsed[2].last("real_server")?.value("weight") == "2")
        #expect(
            parsed[2].last("real_server")?.place
                == SourcePlace(file: "\(fixture.directory)/conf.d/../servers/rs.conf", line: 1))
    }

    @Test func anIncludeThatMatchesNothingIsAWarning() throws {
        let config = try fixture.importing("global_defs {\n}\ninclude missing/*.conf\n")
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:3: include missing/*.conf: no file matches missing/*.conf"
            ])
    }

    @Test func conditionalLinesFollowTheConfigID() throws {
        let text = """
            virtual_server 10.0.0.1 80 {
            @high    delay_loop 5
            @low     delay_loop 7
            @^high   lb_algo wrr
            }
            """
        #expect(try blocks(text, configID: "high")[0].value("delay_loop") == "5")
        #expect(try blocks(text, configID: "high")[0].value("lb_algo") == nil)
        #expect(try blocks(text, configID: "low")[0].value("delay_loop") == "7")
        #expect(try blocks(text, configID: "low")[0].value("lb_algo") == "wrr")
        #expect(try blocks(text)[0].value("delay_loop") == nil)
        let config = try fixture.importing(text)
        #expect(
            fixture.warnings(config).prefix(2) == [
                "keepalived.conf:2: line skipped: written for config id high (keepalived -i; select with --config-id)",
                "keepalived.conf:3: line skipped: written for config id low (keepalived -i; select with --config-id)",
            ])
    }

    @Test func variablesAreSubstitutedAndAnUndefinedOneIsAWarning() throws {
        let text = """
            $VIP=10.0.0.9
            $PORT=8080
            virtual_server $VIP ${PORT} {
                virtualhost $HOST
            }
            """
        let parsed = try blocks(text)
        #expect(parsed[0].arguments == ["10.0.0.9", "8080"])
        #expect(parsed[0].value("virtualhost") == "$HOST")
        let config = try fixture.importing(text)
        #expect(
            fixture.warnings(config).first
                == "keepalived.conf:4: $HOST is not defined before this line: left as written")
    }

    @Test func badInputIsOneLineNamingTheFileAndLine() throws {
        #expect(
            try fixture.error("virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n}\n")
                == "keepalived.conf:1: the block virtual_server opened here is never closed ('{' without '}')")
        #expect(try fixture.error("global_defs {\n}\n}\n") == "keepalived.conf:3: '}' closes no block")
        #expect(
            try fixture.error("global_defs {\n}\n{\n}\n") == "keepalived.conf:3: '{' opens a block without a keyword")
        #expect(try fixture.error("global_defs {\n  router_id \"x\n}\n") == "keepalived.conf:2: a quote is not closed")
        #expect(
            try fixture.error("listen: 127.0.0.1:9469\ndiscover: true\n")
                == "keepalived.conf: not a keepalived configuration: no virtual_server, vrrp_instance or global_defs block"
        )
        #expect(
            try fixture.error("global_defs {\n}\n\u{0}\u{1}\u{2}")
                == "keepalived.conf:3: not a keepalived configuration: binary data")
        try fixture.write("loop.conf", "include keepalived.conf\n")
        #expect(
            try fixture.error("global_defs {\n}\ninclude loop.conf\n")
                == "loop.conf:1: include of keepalived.conf makes a loop (it is already being read)")
        #expect(
            try fixture.error("virtual_server 10.0.0.1 80 {\n}\n}\n").split(separator: "\n").count == 1)
    }

    @Test func aMissingFileIsOneLine() throws {
        do {
            _ = try KeepalivedImporter.translate(file: "\(fixture.directory)/none.conf")
            Issue.record("no error")
        } catch {
            #expect(error.description == "\(fixture.directory)/none.conf: cannot read: no such file")
        }
    }
}
