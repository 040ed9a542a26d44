import ArgumentParser
import Foundation
import PushLink

/// Which certificates a wss:// or https:// connection trusts.
struct TLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Trust the certificates in this PEM file, besides the system's.", valueName: "file"))
    var cacert: String?

    @Flag(help: "Do not verify TLS certificates (dangerous; says so on stderr).")
    var insecure = false

    func validate() throws {
        guard let cacert else { return }
        guard FileManager.default.isReadableFile(atPath: cacert) else { throw ValidationError("--cacert \(cacert): cannot read that file") }
        // Every bad --cacert is a usage error, not a TLS fault retried forever.
        guard (try? String(contentsOfFile: cacert, encoding: .utf8))?.contains("-----BEGIN CERTIFICATE-----") ?? false else {
            throw ValidationError("--cacert \(cacert): not a PEM certificate file (no -----BEGIN CERTIFICATE----- in it)")
        }
    }

    func apply(to c: inout LinkConfiguration) {
        c.caCertificateFile = cacert
        c.insecure = insecure
    }

    /// `--insecure` says loudly what it gives away: `what` is read or changed by anyone on the path.
    func warnIfInsecure(_ what: String) {
        if insecure { Diagnostics.warn("--insecure: TLS certificates are NOT verified; anyone on the path can read and change \(what)") }
    }
}
