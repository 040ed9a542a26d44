// swift-tools-version: 6.0
// libFuzzer targets for livetop's parsers: `bash Scripts/fuzz.sh` builds and runs them.
//
// This package compiles the parsers' own source files (symlinks under Sources/LiveModel,
// Sources/PushLink, Sources/recording, and Sources/TextFormats whole) rather than depending on
// the main package, whose PushLink would bring SwiftNIO, NIOSSL and BoringSSL into a separately
// instrumented build: minutes on two cores, where these files take well under one. A file listed here that starts
// to need more than NIOCore breaks this build, which is the signal to keep parsers pure. NIOCore (ByteBuffer, for
// WebSocketFrameReader) and NIOWebSocket (the oracle of ws-frames: NIO's own frame decoder) are swift-nio alone,
// at the main package's version, built uninstrumented (coverage is for livetop's code).
import PackageDescription

// Coverage for libFuzzer and AddressSanitizer, optimised (fast runs) but with the checks of a
// debug build kept (-assert-config Debug: bounds of unsafe buffers, overflow, preconditions).
let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-assert-config", "Debug", "-enable-testing", "-g"])]
// The fuzz executables link libFuzzer's runtime; gold stumbles over it (an internal error
// formatting a duplicate-symbol message), lld from the Swift toolchain does not.
let fuzzer: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

let package = Package(
    name: "livetop-fuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
    ],
    targets: [
        .target(name: "LiveModel", swiftSettings: instrumented),
        .target(name: "PushLink", dependencies: ["LiveModel", .product(name: "NIOCore", package: "swift-nio")],
                swiftSettings: instrumented),
        .target(name: "TextFormats", swiftSettings: instrumented),
        .target(name: "CFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CFuzzer"]),
        .executableTarget(name: "json-fold", dependencies: ["FuzzDriver", "LiveModel"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "sse", dependencies: ["FuzzDriver", "PushLink"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "poll-body", dependencies: ["FuzzDriver", "PushLink"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "resp", dependencies: ["FuzzDriver", "PushLink"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "text-formats", dependencies: ["FuzzDriver", "TextFormats"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        // WebSocketFrameReader against NIO's WebSocketFrameDecoder + the old reassembly (the oracle).
        .executableTarget(name: "ws-frames",
                          dependencies: ["FuzzDriver", "PushLink",
                                         .product(name: "NIOCore", package: "swift-nio"),
                                         .product(name: "NIOEmbedded", package: "swift-nio"),
                                         .product(name: "NIOWebSocket", package: "swift-nio")],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "recording", dependencies: ["FuzzDriver", "LiveModel", "PushLink"],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
    ]
)
