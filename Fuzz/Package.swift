// swift-tools-version: 6.0
// libFuzzer targets for livetop's parsers: `bash Scripts/fuzz.sh` builds and runs them.
//
// The parsers come from the main package's own targets (LinkWire, LiveModel, TextFormats) through a
// path dependency on it: what is fuzzed is what ships, with no copies or stand-ins. SwiftPM builds
// only what these targets need: LinkWire, LiveModel, TextFormats, JSONLines and swift-nio's NIOCore (plus
// NIOWebSocket and NIOEmbedded, the oracle of ws-frames: NIO's own frame decoder); LinkWire
// depending on nothing above NIOCore is what keeps this build short (a minute or two on two
// cores), and a parser that starts to need more belongs outside LinkWire. A dependency's targets
// cannot take this manifest's flags, so Scripts/fuzz.sh passes the instrumentation to every
// module (-Xswiftc): NIOCore is instrumented too.
import PackageDescription

// Coverage for libFuzzer and AddressSanitizer, optimised (fast runs) but with the checks of a
// debug build kept (-assert-config Debug: bounds of unsafe buffers, overflow, preconditions).
// Scripts/fuzz.sh passes the same flags with -Xswiftc, so the main package's targets get them too.
let instrumented: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-assert-config", "Debug", "-enable-testing", "-g"])]
let linkWire: Target.Dependency = .product(name: "LinkWire", package: "livetop")
let liveModel: Target.Dependency = .product(name: "LiveModel", package: "livetop")
let textFormats: Target.Dependency = .product(name: "TextFormats", package: "livetop")
let jsonLines: Target.Dependency = .product(name: "JSONLines", package: "livetop")
// The fuzz executables link libFuzzer's runtime; gold stumbles over it (an internal error
// formatting a duplicate-symbol message), lld from the Swift toolchain does not.
let fuzzer: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

let package = Package(
    name: "livetop-fuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(name: "livetop", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CFuzzer"]),
        .executableTarget(name: "json-fold", dependencies: ["FuzzDriver", liveModel],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "sse", dependencies: ["FuzzDriver", linkWire],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "poll-body", dependencies: ["FuzzDriver", linkWire],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "resp", dependencies: ["FuzzDriver", linkWire],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "text-formats", dependencies: ["FuzzDriver", textFormats],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        // WebSocketFrameReader against NIO's WebSocketFrameDecoder + the old reassembly (the oracle).
        .executableTarget(name: "ws-frames",
                          dependencies: ["FuzzDriver", linkWire, liveModel,
                                         .product(name: "NIOCore", package: "swift-nio"),
                                         .product(name: "NIOEmbedded", package: "swift-nio"),
                                         .product(name: "NIOWebSocket", package: "swift-nio")],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
        .executableTarget(name: "recording", dependencies: ["FuzzDriver", jsonLines, liveModel],
                          swiftSettings: instrumented, linkerSettings: fuzzer),
    ]
)
