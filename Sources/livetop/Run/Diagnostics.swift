import Foundation

/// One-line messages on stderr, never stdout.
enum Diagnostics {
    static func warn(_ text: String) { FileHandle.standardError.write(Data("livetop: warning: \(text)\n".utf8)) }
    static func error(_ text: String) { FileHandle.standardError.write(Data("livetop: \(text)\n".utf8)) }
    static func note(_ text: String) { FileHandle.standardError.write(Data("livetop: \(text)\n".utf8)) }
}
