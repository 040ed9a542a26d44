/// How a run of the viewer ended, and the exit status that says it (README, "Exit status" under
/// "Usage"): 74 when `--record` could not write, 3 when an alert was raised under
/// `--exit-on-alert`, 1 when a source failed, 0 otherwise. A failed recording outranks the rest:
/// a script must not take a partial file for a whole one.
struct RunOutcome: Equatable {
    /// The sources ended normally, or the viewer did (the user quit the dashboard, the reader of
    /// the JSON lines went away, `--max-messages` was reached).
    var succeeded: Bool
    /// `--exit-on-alert` ended the run.
    var alerted: Bool
    /// The first source's recording failure (`Recording.failure`), if one failed.
    var recordingFailure: String?

    var exitStatus: Int32 {
        if recordingFailure != nil { return 74 }  // EX_IOERR
        if alerted { return 3 }
        return succeeded ? 0 : 1
    }
}
