import Glibc
import Testing

@testable import KeepalivedImport

/// keepalived's syntax as the reader and the block parser take it: comments, quotes, braces, includes, conditional
/// lines, variables, and input that is no keepalived configuration.
struct KeepalivedReaderTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    func blocks(_ text: String, configID: String? = nil) throws -> [KeepalivedBlock] {
        try fixture.blocks(text, configID: configID)
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

/// keepalived's own definitions: the pre-defined ones, multiline ones, and what keepalived reads again after a
/// substitution.
struct KeepalivedDefinitionTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    func blocks(_ text: String, configID: String? = nil) throws -> [KeepalivedBlock] {
        try fixture.blocks(text, configID: configID)
    }

    @Test func pwdIsTheDirectoryOfTheFileThatNamesIt() throws {
        try fixture.write("conf.d/vs.conf", "virtual_server 10.0.0.1 80 {\n  notify_up ${_PWD}/up.sh\n}\n")
        let parsed = try blocks("include ${_PWD}/conf.d/*.conf\n")
        #expect(parsed.map(\.keyword) == ["virtual_server"])
        let directory = try #require(realpath(fixture.directory, nil))
        defer { free(directory) }
        #expect(parsed[0].value("notify_up") == String(cString: directory) + "/conf.d/up.sh")
    }

    @Test func aHashFromASubstitutionStartsAComment() throws {
        let parsed = try blocks(
            """
            $T=${_HASH}
            virtual_server 10.0.0.1 80 {
                real_server 10.0.0.2 80 {
                    weight 2
                    ${T} weight 10
                    ${_HASH} MISC_CHECK {
                    TCP_CHECK {
                        connect_timeout 3
                    }
                }
                virtualhost "a${_BANG}b"
            }
            """)
        let server = try #require(parsed.first?.last("real_server"))
        #expect(server.value("weight") == "2")
        #expect(server.all("MISC_CHECK").isEmpty)
        #expect(server.last("TCP_CHECK")?.value("connect_timeout") == "3")
        #expect(parsed[0].value("virtualhost") == "a!b")
    }

    @Test func instanceIsTheConfigIDAndMachineValuesAreSaid() throws {
        let text = "virtual_server 10.0.0.1 80 {\n  router ${_INSTANCE}\n  delay ${_RANDOM 5 9}\n}\n"
        #expect(try blocks(text, configID: "lvs2")[0].value("router") == "lvs2")
        #expect(try blocks(text)[0].value("delay") == "5")
        let config = try fixture.importing(text)
        #expect(
            fixture.warnings(config).contains(
                "keepalived.conf:3: ${_RANDOM} is a new number at each keepalived start: the import takes 5, its lowest"
            ))
        #expect(
            fixture.warnings(config).contains {
                $0.hasPrefix("keepalived.conf:2: ${_INSTANCE} is this machine's host name")
            })
    }

    @Test func multilineDefinitionsExpandIntoLinesNestedOrNot() throws {
        let parsed = try blocks(
            """
            $RS= \\
            real_server 10.0.${VS}.${RS_NUM} 80 { \\
                weight ${RS_NUM} \\
            }

            $VS_BLOCK= \\
            virtual_server 10.0.${VS}.4 80 { \\
                ! a comment line is passed over
                $RS_NUM=1 \\
                $RS \\
                $RS_NUM=2 \\
                $RS \\
            }

            $VS=7
            $VS_BLOCK
            """)
        #expect(parsed.count == 1)
        #expect(parsed[0].arguments == ["10.0.7.4", "80"])
        let servers = parsed[0].all("real_server")
        #expect(servers.map(\.arguments) == [["10.0.7.1", "80"], ["10.0.7.2", "80"]])
        #expect(servers.map { $0.value("weight") } == ["1", "2"])
    }

    @Test func anUndefinedNameInBracesIsOneLineAndLeftAsWrittenInQuotes() throws {
        #expect(
            try fixture.error("virtual_server 10.0.0.1 80 {\n  weight ${W}\n}\n")
                == "keepalived.conf:2: ${W} is not defined before this line (keepalived would read its braces as a block)"
        )
        #expect(
            try blocks("virtual_server 10.0.0.1 80 {\n  misc_path \"/bin/x ${W}\"\n}\n")[0].value("misc_path")
                == "/bin/x ${W}")
    }

    @Test func aDefinitionThatNamesItselfIsOneLine() throws {
        #expect(
            try fixture.error("$A=x$A\nvirtual_server 10.0.0.1 80 {\n  weight $A\n}\n")
                == "keepalived.conf:3: definitions expand without end (one names itself, directly or not)")
    }

    @Test func fiftyThousandNestedBlocksAreOneLine() throws {
        let text =
            "virtual_server 10.0.0.1 80 {\n" + String(repeating: "a {\n", count: 50_000)
            + String(repeating: "}\n", count: 50_001)
        #expect(try fixture.error(text) == "keepalived.conf:65: blocks nested deeper than 64")
    }
}

/// What drcheck loads bounds what the import takes in and gives out.
struct KeepalivedSizeTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    @Test func includesTogetherAreHeldToTheFileLimit() throws {
        let comment = String(repeating: "! padding\n", count: 40_000)
        for name in ["a", "b", "c"] { try fixture.write("conf.d/\(name).conf", comment) }
        #expect(
            try fixture.error("global_defs {\n}\ninclude conf.d/*.conf\n")
                == "keepalived.conf:3: the configuration with its includes is larger than 1048576 bytes")
    }

    @Test func anOutputDrcheckCouldNotLoadIsOneLine() throws {
        let ranges = (0..<24).map { "    198.51.\($0).1-254 80" }.joined(separator: "\n")
        let config = try fixture.importing(
            """
            virtual_server_group many {
            \(ranges)
            }
            virtual_server group many {
                real_server 203.0.113.21 80 {
                    TCP_CHECK {
                    }
                }
            }
            """)
        #expect(config.services.count == 24 * 254)
        #expect {
            try KeepalivedImporter.loadableYAML(config)
        } throws: { error in
            (error as? ImportError)?.description.hasSuffix(
                "(6096 services), more than drcheck loads (1048576): import the director's services in parts") == true
        }
    }
}
