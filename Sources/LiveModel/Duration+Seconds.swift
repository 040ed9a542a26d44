/// Link states carry `Duration`s (a retry's wait, a poll's interval); the store and the screen count in seconds.
extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
