import CFuzzer

#if canImport(Glibc)
import Glibc
#endif

/// Runs libFuzzer with the process's arguments and `body` as the target, then exits with
/// libFuzzer's status. Each fuzz target is a SwiftPM executable with `@main`; SwiftPM renames
/// that main for its own linking, so libFuzzer's main cannot be used and its documented driver
/// entry is called instead.
public enum FuzzDriver {
    public typealias Target = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func run(_ body: Target) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, body))
    }

    /// The input as a buffer (libFuzzer passes nil for an empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: count > 0 ? data : nil, count: count)
    }
}
