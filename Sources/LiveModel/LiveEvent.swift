/// Everything that can change a `LiveStore`. Time always arrives inside the event.
public enum LiveEvent: Sendable {
    /// A batch of messages received at `at` (one read burst).
    case messages(MessageBatch, at: Timestamp)
    case connection(ConnectionEvent, at: Timestamp)
    /// Time passes: rates and countdowns move.
    case tick(Timestamp)
}
