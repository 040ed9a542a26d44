// The headless consumer's share, timed on its own (release mode; not a test):
//
//   swift run -c release HeadlessBench [COUNT]
//
// COUNT (default 1,000,000) messages of the reference feed format (shared/bench/ws_blast.py,
// 80 bytes) in batches of one 60 KiB read burst, as the WebSocket reader hands them on. Each
// section runs on the same batches, best of BENCH_ROUNDS (default 5):
// - "JSON check": what lets a message's bytes through unchanged (JSONTape.parse with the
//   headless limits, then compact, no unsafe text, no repeated key);
// - "line writer --emit all" / "--emit messages": HeadlessWriter over the batches into
//   StandardOutput on /dev/null (the check, the line around the payload, the 64 KiB writes);
// - "copy only": each payload and a newline appended to StandardOutput, written to /dev/null:
//   the floor under the writer, no check and no line around it.
// BENCH_ONLY=word runs only the sections whose name contains it (for perf record).
import Foundation
import JSONLines
import LiveModel

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let rounds = Int(ProcessInfo.processInfo.environment["BENCH_ROUNDS"] ?? "") ?? 5
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]

func message(_ seq: Int, ts: Int) -> [UInt8] {
    let head = "{\"seq\":\(seq),\"sym\":\"BTC-USD\",\"px\":64123.5,\"ts\":\(ts),\"x\":\""
    return Array((head + String(repeating: "x", count: 78 - head.utf8.count) + "\"}").utf8)
}

var batches: [MessageBatch] = []
var batch = MessageBatch(transport: .websocket)
batch.receivedAt = 1_795_708_529_685_000_000
for seq in 1...count {
    batch.append(message(seq, ts: 1_795_708_529_685), isBinary: false)
    if batch.bytes.count >= 60 << 10 || seq == count {
        batches.append(batch)
        batch = MessageBatch(transport: .websocket)
        batch.receivedAt = 1_795_708_529_685_000_000 + Int64(batches.count) * 1_000_000
    }
}
let devNull = open("/dev/null", O_WRONLY)
precondition(devNull >= 0, "cannot open /dev/null")

func measure(_ name: String, _ body: () -> Int) {
    if let only, !name.contains(only) { return }
    let clock = ContinuousClock()
    var seconds = Double.infinity
    var check = 0
    for _ in 0..<rounds {
        var result = 0
        let elapsed = clock.measure { result = body() }
        check = result
        seconds = min(seconds, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    let label = name.padding(toLength: 30, withPad: " ", startingAt: 0)
    print(label + String(format: " %8.3f s  %6.2f M msg/s  %6.1f ns/msg  (%d)", seconds,
                 Double(count) / seconds / 1e6, seconds / Double(count) * 1e9, check))
}

print("HeadlessBench: \(count) messages of 80 bytes, \(batches.count) batches of about 60 KiB, best of \(rounds) rounds")

measure("JSON check") {
    var tape = JSONTape()
    let limits = JSONLimits()
    var passed = 0
    for b in batches {
        b.bytes.withUnsafeBufferPointer { all in
            for f in b.messages {
                do {
                    try tape.parse(UnsafeBufferPointer(rebasing: all[f.offset..<(f.offset + f.length)]), limits: limits)
                    if tape.isCompact && !tape.hasUnsafeText && !tape.hasShadowedKeys { passed += 1 }
                } catch {}
            }
        }
    }
    return passed
}

for emit in HeadlessWriter.Emit.allCases {
    measure("line writer --emit \(emit.rawValue)") {
        var writer = HeadlessWriter(emit: emit)
        var out = StandardOutput(fd: devNull)
        for b in batches {
            writer.write(b, into: &out)
            out.flush()  // once per burst, as HeadlessPrinter does
        }
        return Int(writer.seq)
    }
}

measure("copy only") {
    var out = StandardOutput(fd: devNull)
    var lines = 0
    for b in batches {
        b.bytes.withUnsafeBufferPointer { all in
            for f in b.messages {
                out.buffer.append(contentsOf: UnsafeBufferPointer(rebasing: all[f.offset..<(f.offset + f.length)]))
                out.buffer.append(UInt8(ascii: "\n"))
                out.flushIfFull()
                lines += 1
            }
        }
        out.flush()
    }
    return lines
}
