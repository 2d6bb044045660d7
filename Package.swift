// swift-tools-version:6.1
import PackageDescription

// The probe path's modules in release builds: their generic code (the scheduler, the loop) is made available to the
// modules that use it, to be specialised there rather than resolved at run time, and the run-time exclusivity checks
// of their class properties are left out (debug builds, where every test runs, keep them). Together about a tenth of
// a probe's instructions (README.md "The probe engine on the host, against HAProxy").
let probePath: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "drcheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "drcheck", targets: ["drcheck"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
    ],
    targets: [
        // libnl's headers live under /usr/include/libnl3; pkg-config supplies that path to everything above.
        .systemLibrary(
            name: "CLibNL",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-genl-3-dev"])]
        ),
        // Debian's libyaml: the config is composed from its events (Sources/Agent/YAMLComposer.swift).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // zlib: /metrics gzipped when the scraper asks.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Headers only: epoll, signalfd, pidfd, posix_spawn's closefrom and mallinfo2, which Glibc's module leaves out.
        .systemLibrary(name: "CLinux"),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CNetlink", dependencies: ["CLibNL"]),
        .target(name: "EventLoop", dependencies: ["CLinux"], swiftSettings: probePath),
        // The value types the other modules share: addresses, endpoints, status ranges.
        .target(name: "Primitives", swiftSettings: probePath),
        .target(name: "IPVS", dependencies: ["CNetlink", "Primitives"]),
        .target(name: "Probe", dependencies: ["CCurl", "CLinux", "EventLoop", "Primitives"], swiftSettings: probePath),
        .target(name: "Agent", dependencies: ["CYAML", "Primitives"]),
        // drcheck config import keepalived: keepalived.conf read and translated into drcheck YAML and ipvsadm rules.
        .target(name: "KeepalivedImport", dependencies: ["Agent", "Primitives"]),
        // The exposition is drcheck's own writer; swift-prometheus is only the tests' reference for its format.
        .target(name: "Exporter", dependencies: ["CZlib", "EventLoop", "Primitives"]),
        // What the command line prints: the IPVS table as ipvsadm lists it and as JSON, the daemon's status page.
        .target(name: "Presentation", dependencies: ["Exporter", "IPVS", "Primitives"]),
        // The state, drains and lock files on disk: locked, fsynced, replaced whole; the core gives their contents.
        .target(name: "Storage", dependencies: ["Agent", "Primitives"]),
        .target(
            name: "Daemon",
            dependencies: [
                "Agent", "CLinux", "EventLoop", "IPVS", "Exporter", "Probe", "Primitives", "Storage",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "drcheck",
            dependencies: [
                "Agent", "Daemon", "EventLoop", "Exporter", "IPVS", "KeepalivedImport", "Presentation", "Primitives",
                "Probe", "Storage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Drives the IPVS API from the lab's IPVS scenarios and benchmark; not installed.
        .executableTarget(name: "ipvs-lab", dependencies: ["Daemon", "IPVS", "Primitives"]),
        // Serves N synthetic servers' metrics for Checks/bench/exporter-bench.sh; not installed.
        .executableTarget(
            name: "exporter-bench", dependencies: ["CLinux", "Exporter", "EventLoop", "Primitives"],
            path: "Checks/bench/exporter-bench"),
        // The fuzz tests' seeded generator and mutations; only test targets use it.
        .target(name: "FuzzSupport", path: "Tests/FuzzSupport"),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop"]),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives", "FuzzSupport"]),
        .testTarget(name: "IPVSTests", dependencies: ["CNetlink", "IPVS", "Primitives", "FuzzSupport"]),
        .testTarget(name: "ProbeTests", dependencies: ["CCurl", "Probe", "EventLoop", "Primitives"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "Primitives", "FuzzSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Agent", "Primitives"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Agent", "Daemon", "EventLoop", "Exporter", "IPVS", "Primitives", "Probe", "Storage",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "PresentationTests", dependencies: ["IPVS", "Presentation", "Primitives"]),
        .testTarget(name: "KeepalivedImportTests", dependencies: ["KeepalivedImport", "Agent", "Primitives"]),
        // swift-prometheus renders what drcheck renders itself too, for the tests to compare.
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "Exporter", "EventLoop", "Presentation", "Primitives", "FuzzSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
