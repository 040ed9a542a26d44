// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "livetop",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "livetop", targets: ["livetop"]),
        .library(name: "LiveModel", targets: ["LiveModel"]),
        .library(name: "PushLink", targets: ["PushLink"]),
        // The link's pure protocol rules (also what the fuzz package builds from).
        .library(name: "LinkWire", targets: ["LinkWire"]),
        .library(name: "TextFormats", targets: ["TextFormats"]),
        // JSON lines written and read back (HeadlessWriter, RecordingParser; fuzzed too).
        .library(name: "JSONLines", targets: ["JSONLines"]),
        // The Autobahn|Testsuite echo client (Scripts/autobahn.sh, AutobahnTests).
        .executable(name: "livetop-autobahn", targets: ["AutobahnClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // NIOSOCKS: SOCKS5 proxies.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // permessage-deflate (RFC 7692): zlib's raw inflate through CompressNIO.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Layout files are YAML, as sampler, k9s and wtfutil users write them.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // ncursesw from Debian's libncursesw-dev. No pkgConfig: its only cflags are -D flags SwiftPM
        // drops with a warning on every build; shim.h defines what they would, and the module
        // map links ncursesw and tinfo.
        .systemLibrary(name: "CNcurses"),
        // Pure store: JSON, fold rules, status, histories, stats. Foundation at most.
        .target(name: "LiveModel"),
        // Lines that are not JSON (logfmt, whitespace tables, Prometheus exposition) made JSON. No dependencies.
        .target(name: "TextFormats"),
        // The link's pure parts: parsers (WebSocket frames, SSE, RESP, Socket.IO packets, long-poll
        // bodies and cursors, Nchan ids), state machines (connection, backoff, heartbeat, polls) and
        // URLs. Bytes and inputs in, actions out: no sockets, so NIOCore (ByteBuffer) at most.
        .target(
            name: "LinkWire",
            dependencies: ["LiveModel", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The link: the NIO clients of every transport (WebSocket, SSE, long-poll, streamed JSON, Socket.IO,
        // Redis), proxies, sources on this host. It emits LiveModel's vocabulary (Transport, LinkState,
        // MessageBatch) so the store folds what it sends.
        .target(
            name: "PushLink",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOSOCKS", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                "LinkWire", "LiveModel", "TextFormats",
            ]
        ),
        // Publishers (`livetop publish`): lines to Nchan's publisher endpoint or a Redis channel.
        .target(
            name: "PushPublish",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "LinkWire", "LiveModel", "PushLink",
            ]
        ),
        // The reference feed server (`livetop demo`, `livetop serve`, the tests and benchmarks):
        // WebSocket, SSE and long-poll over a FeedBuffer.
        .target(
            name: "FeedServe",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                "LinkWire", "LiveModel", "TextFormats",
            ]
        ),
        // The JSON lines of headless mode and --record (HeadlessWriter) and buffered stdout, apart
        // so that HeadlessBench can time them on their own.
        .target(name: "JSONLines", dependencies: ["LiveModel"]),
        .executableTarget(
            name: "livetop",
            dependencies: [
                "CNcurses", "FeedServe", "JSONLines", "LinkWire", "LiveModel", "PushLink", "PushPublish", "TextFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            // Release builds on Linux export no symbols. With --static-swift-stdlib the toolchain
            // links with --export-dynamic: 20,800 dynamic symbols whose tables (.dynsym, .dynstr,
            // .gnu.hash: 1.8 MB) the dynamic loader's lookups page in at start, 1.1 MiB of the
            // shipped binary's RSS (docs/benchmarks.md, Where the memory goes). Packed relative
            // relocations (lld's `-z pack-relative-relocs`) would save the 2.4 MB of .rela.dyn too,
            // but need glibc 2.36 (GLIBC_ABI_DT_RELR), which Ubuntu 22.04 lacks (docs/packaging.md).
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"],
                             .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        // livetop's WebSocket connection driven through the Autobahn|Testsuite fuzzing server's cases.
        .executableTarget(
            name: "AutobahnClient",
            dependencies: ["LinkWire", "LiveModel", "PushLink", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Release-mode micro-benchmark of parse + fold (not a test): swift run -c release LiveModelBench
        .executableTarget(name: "LiveModelBench", dependencies: ["LiveModel"]),
        // Release-mode micro-benchmark of the headless consumer's share (not a test): the JSON check
        // that lets a message's bytes through, and the line writer. swift run -c release HeadlessBench
        .executableTarget(name: "HeadlessBench", dependencies: ["JSONLines", "LiveModel"]),
        // Helpers shared by the test targets: deadlines instead of sleeps, external processes.
        .target(name: "TestSupport", path: "Tests/Support"),
        // What only tests ask of the reference server: sessions that script a WebSocket server's
        // every frame (text, binary, fragments, pings, close codes).
        .target(
            name: "FeedScripting",
            dependencies: [
                "FeedServe",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/FeedScripting"
        ),
        .testTarget(name: "LiveModelTests", dependencies: ["LiveModel", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TextFormatsTests", dependencies: ["TestSupport", "TextFormats"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "PushLinkTests",
            dependencies: [
                "FeedScripting", "FeedServe", "LinkWire", "LiveModel", "PushLink", "PushPublish", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // Third-party servers the tests start (Node ws, Python websockets, nginx + Nchan).
            resources: [.copy("Servers")]
        ),
        .testTarget(name: "livetopTests", dependencies: ["livetop", "CNcurses", "FeedScripting", "FeedServe", "JSONLines", "LinkWire", "LiveModel", "PushLink", "TestSupport"],
                    exclude: ["Snapshots"]),
    ]
)
