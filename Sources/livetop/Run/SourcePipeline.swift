import LiveModel
import PushLink

/// What is done with one source's events before a viewer shows them, the same for the dashboard
/// and the JSON-lines printer (docs/architecture.md, "The message path"): `--since` and `--last`
/// cut the backlog, `--max-messages` lets exactly that many of what they show through and then
/// stops the source, `--record` writes what is shown, and a recording that fails is said once and
/// written to no more. Pure: events in, actions out; the viewer does the I/O (prints or hands the
/// event to the UI thread, writes the file, stops the source, says the failure where it can be
/// seen). One per source, used by that source's one consumer task.
struct SourcePipeline {
    enum Action {
        /// Show the event (print its lines, or hand it to the screen); also write it to the
        /// recording when `record` is true, before it is shown.
        case show(LinkEvent, record: Bool)
        /// The source has given what it may (`--max-messages`): stop it. Comes after the `show`
        /// of the batch that reached the limit.
        case stopSource
        /// The recording failed: say this one line where the user sees it (the status line while
        /// the dashboard owns the terminal, stderr otherwise). Said once.
        case reportRecordingFailure(String)
    }

    private var backlog: BacklogFilter
    private var limit: MessageLimit
    private var records: Bool
    private var failureReported = false

    /// `records`: the source has a `--record` file.
    init(maxMessages: Int64?, backlog: BacklogFilter = BacklogFilter(), records: Bool) {
        self.backlog = backlog
        limit = MessageLimit(maxMessages)
        self.records = records
    }

    /// `--max-messages` was reached: the source ended because it had shown all it should, which
    /// is a normal end (exit status 0) even when the link reports it as a failure.
    var reachedLimit: Bool { limit.isReached }

    /// What to do with one event from the source. A batch is cut to what the backlog filter shows
    /// and then to what the limit leaves room for; nothing of it left, nothing is done. States
    /// always pass, after the limit too (the run's `closed` is one).
    mutating func receive(_ event: LinkEvent) -> [Action] {
        switch event {
        case .state:
            return [.show(event, record: records)]
        case .messages(let received):
            // Counted among what --since and --last show: exactly --max-messages are printed,
            // folded and recorded.
            guard let shown = backlog.admit(received), let admitted = limit.admit(shown) else { return [] }
            let show = Action.show(.messages(admitted), record: records)
            return limit.isReached ? [show, .stopSource] : [show]
        }
    }

    /// After the viewer wrote to the recording: `failure` is the recording's failure, if it has
    /// one now (`Recording.failure`). The first time it is there, it is reported and nothing more
    /// is recorded.
    mutating func recorded(failure: String?) -> [Action] {
        guard let failure, !failureReported else { return [] }
        failureReported = true
        records = false
        return [.reportRecordingFailure(failure)]
    }
}

extension SourcePipeline {
    init<Source>(_ feed: Feed<Source>) {
        self.init(maxMessages: feed.maxMessages, backlog: feed.backlog, records: feed.recording != nil)
    }
}
