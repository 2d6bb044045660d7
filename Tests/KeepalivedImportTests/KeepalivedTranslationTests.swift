import Agent
import Primitives
import Testing

@testable import KeepalivedImport

/// What the samples do not show: DR services, notify scripts, shell commands, per-server commands, clamped
/// timeouts, weight 0, UDP services, and checks drcheck cannot judge beside ones it can.
struct KeepalivedTranslationTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    func service(_ body: String, head: String = "virtual_server 198.51.100.33 80") throws -> ImportedConfig {
        try fixture.importing("\(head) {\n\(body)\n}\n")
    }

    @Test func delayBeforeRetryIsTheFastIntervalOfAFailingServer() throws {
        func imported(_ checker: String) throws -> (CheckSettings, String) {
            let config = try service(
                "lb_kind DR\ndelay_loop 10\nreal_server 203.0.113.21 80 {\n\(checker)\n}")
            return (try KeepalivedFixture.parsed(config).services[0].check, KeepalivedImporter.yaml(config))
        }
        let (retried, yaml) = try imported("TCP_CHECK {\nretry 2\ndelay_before_retry 2.5\n}")
        #expect((retried.fall, retried.fastInterval, retried.interval) == (3, .milliseconds(2500), .seconds(10)))
        #expect(yaml.contains("      fall: 3\n      fast_interval: 2s500ms\n"))
        // Inherited from the real server, and 1 s when not given.
        #expect(try imported("delay_before_retry 4\nHTTP_GET {\n}").0.fastInterval == .seconds(4))
        #expect(try imported("TCP_CHECK {\n}").0.fastInterval == .seconds(1))
        // No retry: nothing to hurry; longer than delay_loop: clamped, and said.
        #expect(try imported("TCP_CHECK {\nretry 0\ndelay_before_retry 3\n}").0.fastInterval == nil)
        let (clamped, said) = try imported("TCP_CHECK {\ndelay_before_retry 30\n}")
        #expect(clamped.fastInterval == .seconds(10))
        #expect(
            said.contains(
                "      # keepalived's delay_before_retry 30s is longer than its delay_loop; drcheck's fast_interval "
                    + "may not exceed interval: clamped\n      fast_interval: 10s\n"))
    }

    @Test func aDRServiceIsProbedThroughTheDRPathWithItsNotifyScriptAsAHook() throws {
        let config = try service(
            """
                lb_kind DR
                delay_loop 2.5
                real_server 203.0.113.21 8080 {
                    weight 7
                    notify_up /bin/true
                    notify_down /bin/true
                    HTTP_GET {
                        url {
                            path /health
                            status_code 200 204
                            regex "ok|fine"
                        }
                        connect_timeout 4
                        nb_get_retry 2
                    }
                }
            """)
        let parsed = try KeepalivedFixture.parsed(config)
        var check = CheckSettings()
        (check.interval, check.timeout, check.rise, check.fall) = (.milliseconds(2500), .milliseconds(2500), 1, 3)
        (check.path, check.expectStatus, check.expectBody) = (
            "/health", StatusRanges([200...200, 204...204]), "ok|fine"
        )
        check.onChange = ["/bin/true"]
        // keepalived's retries come delay_before_retry apart, 1 s unless given.
        check.fastInterval = .seconds(1)
        #expect(
            parsed.services == [
                ServiceConfig(
                    name: nil, key: .virtual(Endpoint("198.51.100.33:80")!, .tcp), check: check,
                    realServers: [RealServerConfig(address: IPAddress("203.0.113.21")!, port: 8080, weight: 7)])
            ])
        let yaml = KeepalivedImporter.yaml(config)
        #expect(
            yaml.contains(
                "      # keepalived's timeout 4s is longer than its delay_loop; drcheck's timeout may not exceed "
                    + "interval: clamped\n      timeout: 2s500ms\n"))
        #expect(config.warnings.isEmpty)
        #expect(
            KeepalivedImporter.ipvsadmRules(config)
                == "-A -t 198.51.100.33:80 -s wlc\n-a -t 198.51.100.33:80 -r 203.0.113.21:8080 -g -w 7\n")
    }

    @Test func differentNotifyScriptsAreACommentNotAHook() throws {
        let config = try service(
            """
                lb_kind DR
                real_server 203.0.113.21 80 {
                    notify_up "/usr/local/bin/up.sh web"
                    notify_down /usr/local/bin/down.sh
                    TCP_CHECK {
                    }
                }
            """)
        #expect(try KeepalivedFixture.parsed(config).services.first?.check.onChange == [])
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:3: 203.0.113.21:80: notify_up /usr/local/bin/up.sh web and notify_down "
                    + "/usr/local/bin/down.sh: drcheck runs one on_change hook for every event (DRCHECK_EVENT up, "
                    + "down, ...): write one script for both"
            ])
    }

    @Test func aMiscPathNamingEachServerBecomesOneCommandAndShellSyntaxRunsThroughSh() throws {
        let config = try service(
            """
                protocol UDP
                real_server 203.0.113.21 53 {
                    MISC_CHECK {
                        misc_path "/bin/sh -c true 203.0.113.21 53"
                        misc_timeout 9
                        misc_dynamic
                    }
                }
                real_server 203.0.113.210 53 {
                    MISC_CHECK {
                        misc_path "/bin/sh -c true 203.0.113.210 53"
                        misc_timeout 9
                        misc_dynamic
                    }
                }
            """, head: "virtual_server 198.51.100.33 53")
        let parsed = try KeepalivedFixture.parsed(config)
        let check = try #require(parsed.services.first?.check)
        #expect(parsed.services.first?.key == .virtual(Endpoint("198.51.100.33:53")!, .udp))
        #expect(check.command == ["/bin/sh", "-c", "true", "${DRCHECK_RIP}", "${DRCHECK_RPORT}"])
        #expect(
            (check.type, check.timeout, check.interval, check.fall, check.dynamicWeight) == (
                .exec, .seconds(9), .seconds(60), 1, true
            ))
        #expect(config.warnings.isEmpty)
        #expect(
            ScriptCommand("/usr/bin/check $RIP | grep -q up").argv == [
                "/bin/sh", "-c", "/usr/bin/check $RIP | grep -q up",
            ])
        #expect(ScriptCommand("/usr/bin/check 'a b' \"c d\"").argv == ["/usr/bin/check", "a b", "c d"])
    }

    @Test func weightZeroAndAServerWithoutACheck() throws {
        let config = try service(
            """
                lb_kind DR
                real_server 203.0.113.21 80 {
                    weight 0
                    TCP_CHECK {
                        connect_port 8081
                    }
                }
                real_server 203.0.113.22 80 {
                }
            """)
        let parsed = try KeepalivedFixture.parsed(config)
        #expect(
            parsed.services.first?.realServers == [
                RealServerConfig(address: IPAddress("203.0.113.21")!, port: 80),
                RealServerConfig(address: IPAddress("203.0.113.22")!, port: 80, weight: 1),
            ])
        #expect(parsed.services.first?.check.port == 8081)
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:9: no checker: keepalived kept it up unchecked, drcheck checks it"
            ])
        #expect(KeepalivedImporter.ipvsadmRules(config).contains("-a -t 198.51.100.33:80 -r 203.0.113.21:80 -g -w 0\n"))
    }

    @Test func aCheckDrcheckCannotJudgeBesideOneItCanStaysListedAndSaysSo() throws {
        let config = try service(
            """
                lb_kind TUN
                quorum 2
                real_server 203.0.113.21 80 {
                    DNS_CHECK {
                        name example.com
                    }
                    TCP_CHECK {
                        retry 4
                    }
                    HTTP_GET {
                        url {
                            path /
                        }
                    }
                }
            """)
        let parsed = try KeepalivedFixture.parsed(config)
        #expect(parsed.services.first?.check.type == .tcp)
        #expect(parsed.services.first?.check.fall == 5)
        #expect(parsed.services.first?.check.mode == .rip)
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:3: quorum 2: drcheck has no quorum; keep_last and sorry_server come closest",
                "keepalived.conf:5: drcheck cannot judge this check: DNS_CHECK (a dns check judges no service of this "
                    + "protocol)",
                "keepalived.conf:11: HTTP_GET not checked: drcheck runs one check per real server, its first",
            ])
        #expect(KeepalivedImporter.ipvsadmRules(config).contains("-r 203.0.113.21:80 -i -w 1\n"))
    }
}

/// keepalived's UDP checkers become drcheck's dns and udp checks.
struct KeepalivedUDPCheckerTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    private func imported(_ checker: String, port: Int = 53) throws -> (ImportedConfig, CheckSettings?) {
        let config = try fixture.importing(
            "virtual_server 198.51.100.33 \(port) {\n    protocol UDP\n    lb_kind DR\n"
                + "    real_server 203.0.113.21 \(port) {\n\(checker)\n    }\n}\n")
        return (config, try KeepalivedFixture.parsed(config).services.first?.check)
    }

    @Test func aDNSCheckAsksItsNameAndType() throws {
        let (config, check) = try imported(
            "        DNS_CHECK {\n            type a\n            name www.example.org\n        }")
        #expect(check?.type == .dns)
        #expect(check?.queryName == "www.example.org")
        #expect(check?.queryType == .a)
        #expect(check?.mode == .dr)
        #expect(fixture.warnings(config) == [])
        let (_, defaults) = try imported("        DNS_CHECK {\n        }")
        #expect(defaults?.queryName == "." && defaults?.queryType == .soa)
    }

    @Test func aUDPCheckSendsItsPayloadAndExpectsItsReply() throws {
        let (config, check) = try imported(
            "        UDP_CHECK {\n            payload 7374617475730a\n            require_reply 6f6b2e\n        }",
            port: 1812)
        #expect(check?.type == .udp)
        #expect(check?.send == "status\n")
        #expect(check?.expect == #"^ok\."#)
        #expect(check?.requireReply == true)
        #expect(fixture.warnings(config) == [])
        // keepalived's default: no reply needed.
        #expect(try imported("        UDP_CHECK {\n        }", port: 1812).1?.requireReply == false)
    }

    @Test func aBinaryPayloadGoesAsHex() throws {
        let (config, check) = try imported("        UDP_CHECK {\n            payload FF000d0a\n        }", port: 1812)
        #expect(check?.sendHex == [0xff, 0, 0x0d, 0x0a])
        #expect(check?.payload == [0xff, 0, 0x0d, 0x0a])
        #expect(fixture.warnings(config) == [])
        let (bad, none) = try imported("        UDP_CHECK {\n            payload xyz\n        }", port: 1812)
        #expect(none == nil)
        #expect(
            fixture.warnings(bad).first
                == "keepalived.conf:5: drcheck cannot judge this check: UDP_CHECK payload xyz (not hex digits)")
    }
}

/// Values from the file stay values: a line break in a quoted keepalived string cannot end a YAML comment, a
/// warning's line or an ipvsadm rule.
struct KeepalivedHostileValueTests {
    @Test func lineBreaksInQuotedValuesStayInside() throws {
        let fixture = try KeepalivedFixture()
        let config = try fixture.importing(
            """
            virtual_server 198.51.100.33 80 {
                lb_kind DR
                lb_algo "rr\\n-D -t 198.51.100.33:80"
                weird "x\\rdiscover: true"
                real_server 203.0.113.21 80 {
                    HTTP_GET {
                        url {
                            path /ok
                        }
                        url {
                            path "/c\\ndiscover: true\u{2028}listen: x"
                        }
                    }
                }
            }
            """)
        let parsed = try KeepalivedFixture.parsed(config)
        #expect(!parsed.discover)
        #expect(parsed.services.first?.check.path == "/ok")
        #expect(parsed.listen == Config().listen)
        #expect(config.warnings.allSatisfy { !$0.description.contains("\n") && !$0.description.contains("\r") })
        #expect(
            KeepalivedImporter.ipvsadmRules(config)
                == "-A -t 198.51.100.33:80 -s wlc\n-a -t 198.51.100.33:80 -r 203.0.113.21:80 -g -w 1\n")
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:4: weird x\\rdiscover: true: no drcheck equivalent, ignored",
                "keepalived.conf:10: url /c\\ndiscover: true\\u{2028}listen: x not checked: a drcheck check asks for one path",
                "keepalived.conf:3: lb_algo rr\\n-D -t 198.51.100.33:80: not valid here, left out of the rules",
            ])
    }
}

/// Rules `ipvsadm -R` loads as keepalived would build the table, and services and real servers never left out
/// without a word.
struct KeepalivedRulesTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    private func rules(_ text: String) throws -> (String, [String]) {
        let config = try fixture.importing(text)
        return (KeepalivedImporter.ipvsadmRules(config), fixture.warnings(config))
    }

    @Test func persistenceZeroIsNoneAndOpsOnlyOnUDP() throws {
        let (tcp, warnings) = try rules(
            """
            virtual_server 198.51.100.33 80 {
                persistence_timeout 0
                ops
                real_server 203.0.113.21 80 {
                    TCP_CHECK {
                    }
                }
            }
            virtual_server 198.51.100.33 53 {
                protocol UDP
                persistence_timeout
                ops
                real_server 203.0.113.21 53 {
                    MISC_CHECK {
                        misc_path /bin/true
                    }
                }
            }
            """)
        #expect(
            tcp == "-A -t 198.51.100.33:80 -s wlc\n-a -t 198.51.100.33:80 -r 203.0.113.21:80 -m -w 1\n"
                + "-A -u 198.51.100.33:53 -s wlc -p 360 -o\n-a -u 198.51.100.33:53 -r 203.0.113.21:53 -m -w 1\n")
        #expect(
            warnings.contains(
                "keepalived.conf:3: ops: one-packet scheduling is for UDP; ipvsadm refuses it on a TCP service, left out"
            ))
    }

    @Test func tunnelTypesThresholdsAndAnUnknownKind() throws {
        let (text, warnings) = try rules(
            """
            virtual_server 198.51.100.33 80 {
                lb_kind FNAT
                real_server 203.0.113.21 80 {
                    lvs_method TUN type gue port 6080 remcsum
                    uthreshold 100
                    lthreshold 50
                }
                real_server 203.0.113.22 80 {
                    lvs_method TUN type gre csum
                }
                real_server 203.0.113.23 80 {
                }
            }
            """)
        #expect(
            text == "-A -t 198.51.100.33:80 -s wlc\n"
                + "-a -t 198.51.100.33:80 -r 203.0.113.21:80 -i --tun-type gue --tun-port 6080 --tun-remcsum -x 100 -y 50 -w 1\n"
                + "-a -t 198.51.100.33:80 -r 203.0.113.22:80 -i --tun-type gre --tun-csum -w 1\n"
                + "-a -t 198.51.100.33:80 -r 203.0.113.23:80 -m -w 1\n")
        #expect(
            warnings.contains(
                "keepalived.conf:2: lb_kind FNAT: not NAT, DR or TUN; keepalived reports it and keeps NAT, as the rules do"
            ))
    }

    @Test func anIPv6GranularityMayBeAPrefixLength() throws {
        let (text, warnings) = try rules(
            """
            virtual_server 2001:db8::33 80 {
                persistence_timeout 60
                persistence_granularity 64
                real_server 2001:db8::1:1 80 {
                }
            }
            """)
        #expect(text.hasPrefix("-A -t [2001:db8::33]:80 -s wlc -p 60 -M 64\n"))
        #expect(!warnings.contains { $0.contains("granularity") })
    }

    @Test func extraWordsAreSaidAndAnAllPortsServiceNamesItsServers() throws {
        let config = try fixture.importing(
            """
            virtual_server 198.51.100.33 53 dev eth0.53 {
                real_server 203.0.113.21 53 {
                    TCP_CHECK {
                    }
                }
            }
            virtual_server 198.51.100.34 {
                real_server 203.0.113.22 80 {
                }
            }
            virtual_server fwmark 7 {
                real_server 203.0.113.23 0 {
                    TCP_CHECK {
                        connect_port 80
                    }
                }
            }
            """)
        let warnings = fixture.warnings(config)
        #expect(
            warnings.contains(
                "keepalived.conf:1: virtual_server 198.51.100.33 53 dev eth0.53: dev eth0.53 left out (drcheck and ipvsadm "
                    + "name a service by address and port)"))
        #expect(
            warnings.contains {
                $0.contains(
                    "198.51.100.34: an all-ports service (no port, or 0), which drcheck does not check; its real servers go unchecked: 203.0.113.22 80"
                )
            })
        let parsed = try KeepalivedFixture.parsed(config)
        #expect(parsed.services.map(\.label) == ["198.51.100.33:53", "fwmark:7"])
        #expect(KeepalivedImporter.ipvsadmRules(config).contains("-a -f 7 -r 203.0.113.23 -m -w 1\n"))
    }
}

/// keepalived gives each real server its own checker: one that differs from the service's is the server's own check.
struct KeepalivedOwnCheckTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    @Test func aBackupCheckedOnItsOwnPortKeepsItsCheck() throws {
        let config = try fixture.importing(
            """
            virtual_server 198.51.100.33 80 {
                lb_kind DR
                delay_loop 5
                real_server 203.0.113.21 80 {
                    HTTP_GET {
                        url {
                            path /health
                        }
                    }
                }
                real_server 203.0.113.22 80 {
                    TCP_CHECK {
                        connect_port 8080
                    }
                }
                real_server 203.0.113.23 80 {
                    HTTP_GET {
                        url {
                            path /health
                        }
                    }
                }
            }
            """)
        #expect(!fixture.warnings(config).contains { $0.contains("differs") })
        let yaml = KeepalivedImporter.yaml(config)
        #expect(
            yaml.contains(
                "        # its own check: keepalived's checker of this real server differs from the service's\n        check:\n          type: tcp\n"
            ))
        let parsed = try KeepalivedFixture.parsed(config)
        let service = try #require(parsed.services.first)
        #expect(service.check.type == .http)
        #expect(service.check.path == "/health")
        let own = try #require(service.realServers[1].check)
        #expect(own.type == .tcp)
        #expect(own.port == 8080)
        #expect(own.interval == .seconds(5))
        #expect(own.mode == .dr)
        #expect(service.realServers[0].check == nil)
        #expect(service.realServers[2].check == nil)
    }
}

/// What keepalived means that drcheck cannot carry over is said on stderr, never only in the YAML.
struct KeepalivedNothingSilentTests {
    let fixture: KeepalivedFixture

    init() throws { fixture = try KeepalivedFixture() }

    @Test func regexOptionsBecomeInlineFlags() throws {
        let config = try fixture.importing(
            """
            virtual_server 198.51.100.33 80 {
                real_server 203.0.113.21 80 {
                    HTTP_GET {
                        url {
                            path /
                            regex "status: ok"
                            regex_options caseless dotall no_auto_capture
                        }
                    }
                }
            }
            """)
        #expect(try KeepalivedFixture.parsed(config).services.first?.check.expectBody == "(?is)status: ok")
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:7: regex_options no_auto_capture: no drcheck equivalent, left out"
            ])
    }

    @Test func everyKeyLeftOutIsAWarning() throws {
        let config = try fixture.importing(
            """
            virtual_server 198.51.100.33 80 {
                omega
                warmup 5
                real_server 203.0.113.21 80 {
                    alpha
                    smtp_alert
                    TCP_CHECK {
                        bindto 203.0.113.10
                        warmup 3
                    }
                }
            }
            """)
        #expect(
            fixture.warnings(config) == [
                "keepalived.conf:2: omega: no drcheck equivalent, ignored",
                "keepalived.conf:3: warmup 5: no drcheck equivalent, ignored",
                "keepalived.conf:8: bindto has no drcheck equivalent: ignored (drcheck probes from the director's own "
                    + "address (dr mode) or the route's)",
                "keepalived.conf:9: warmup has no drcheck equivalent: ignored (drcheck spreads its first probes over "
                    + "the first interval instead)",
                "keepalived.conf:5: alpha on one real server: drcheck's alpha is its service's (check: alpha), not "
                    + "carried over",
                "keepalived.conf:6: smtp_alert has no drcheck equivalent: ignored (drcheck sends no mail: an on_change "
                    + "hook can)",
            ])
    }
}
