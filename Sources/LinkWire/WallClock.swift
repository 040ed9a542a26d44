#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one reading of the wall clock that stamps what a link and the reference server report
/// (nanoseconds since the Unix epoch). Everything that depends on time takes a clock and gets
/// this one by default, so tests can pass their own.
public enum WallClock {
    @Sendable public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
