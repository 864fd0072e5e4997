/// What to do with a `//# sourceMappingURL=x.map` or `/*# sourceMappingURL=x.map */` whose map
/// is in no source.
public enum MissingSourceMaps: String, Sendable, CaseIterable {
    /// The run fails, naming the file and the map (Django's behaviour).
    case error
    /// The reference is left as written and the run reports one warning per file and map.
    case warn
}
