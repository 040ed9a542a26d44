/// The queue between the tasks that consume the feeds (any thread) and the UI thread, as a state
/// machine: each input says what the caller must do (wake the UI, park, resume waiters); the
/// caller holds the lock around it and does the waking. Bounded: a consumer that finds `limit`
/// bursts queued parks until the UI thread takes them, which slows its socket instead of
/// growing the queue.
struct HandOff<Event, Waiter> {
    private enum State {
        case running(Running)
        /// The UI thread has given the terminal back; nothing is queued any more.
        case ended
    }

    private struct Running {
        var pending: [Event] = []
        var parked: [Waiter] = []
        var sourcesFinished = false
        var quitRequested = false
        var endWaiter: Waiter?
    }

    private var state = State.running(Running())
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    /// What a consumer does after queueing an event.
    struct Enqueued {
        /// The queue was empty: wake the UI thread (one wake-up per burst, not per event).
        var wakeUI = false
        /// The user quit (or the UI ended): stop the source.
        var stopSource = false
        /// The queue is full: park until the UI thread takes it.
        var mustPark = false
    }

    mutating func enqueue(_ event: Event) -> Enqueued {
        guard case .running(var running) = state else { return Enqueued(stopSource: true) }
        let wasEmpty = running.pending.isEmpty
        running.pending.append(event)
        let result = Enqueued(wakeUI: wasEmpty, stopSource: running.quitRequested, mustPark: running.pending.count >= limit)
        state = .running(running)
        return result
    }

    /// A consumer that must park offers its waiter; true means resume it at once (the queue
    /// drained meanwhile, or the UI ended).
    mutating func park(_ waiter: Waiter) -> Bool {
        guard case .running(var running) = state else { return true }
        if running.pending.count < limit || running.quitRequested { return true }
        running.parked.append(waiter)
        state = .running(running)
        return false
    }

    /// What the UI thread takes on each wake-up.
    struct Taken {
        var events: [Event] = []
        var sourcesFinished = false
        var quit = false
        /// Consumers to resume: the queue has room again.
        var resume: [Waiter] = []
    }

    mutating func take() -> Taken {
        guard case .running(var running) = state else { return Taken(quit: true) }
        let taken = Taken(events: running.pending, sourcesFinished: running.sourcesFinished, quit: running.quitRequested,
                          resume: running.parked)
        running.pending.removeAll(keepingCapacity: true)
        running.parked.removeAll()
        state = .running(running)
        return taken
    }

    /// Every source has ended. True: wake the UI thread.
    mutating func finishSources() -> Bool {
        guard case .running(var running) = state else { return false }
        running.sourcesFinished = true
        state = .running(running)
        return true
    }

    /// The user quit from outside the UI (a signal). Returns the parked consumers to resume; the
    /// UI thread must be woken.
    mutating func requestQuit() -> [Waiter] {
        guard case .running(var running) = state else { return [] }
        running.quitRequested = true
        let parked = running.parked
        running.parked.removeAll()
        state = .running(running)
        return parked
    }

    /// The task that runs the dashboard waits for the UI thread's end; true: it has ended already.
    mutating func awaitEnd(_ waiter: Waiter) -> Bool {
        guard case .running(var running) = state else { return true }
        running.endWaiter = waiter
        state = .running(running)
        return false
    }

    /// The UI thread has given the terminal back: every waiter is resumed.
    mutating func end() -> [Waiter] {
        guard case .running(let running) = state else { return [] }
        state = .ended
        return running.parked + (running.endWaiter.map { [$0] } ?? [])
    }

    var hasEnded: Bool { if case .ended = state { return true } else { return false } }
}
