/// Everything that can change a `LiveStore`. Time always arrives inside the event.
public enum LiveEvent: Sendable {
    /// A batch of messages received at `at` (one read burst).
    case messages(MessageBatch, at: Timestamp)
    case connection(LinkState, at: Timestamp)
    /// Time passes: rates and countdowns move.
    case tick(Timestamp)
}

extension LiveEvent {
    /// A link's event as the store folds it: the same batch (its bytes are not copied) at the time
    /// it was read, or the same state at the time it changed.
    public init(_ event: LinkEvent) {
        switch event {
        case .messages(let batch): self = .messages(batch, at: Timestamp(nanoseconds: batch.receivedAt))
        case .state(let state, let at): self = .connection(state, at: Timestamp(nanoseconds: at))
        }
    }
}
