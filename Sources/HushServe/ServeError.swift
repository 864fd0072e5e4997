import HushSystem

/// Why the server could not start or reload, each with a message a user can act on.
public enum ServeError: Error, Equatable, CustomStringConvertible {
    /// STATIC_ROOT does not exist or is not a directory.
    case rootNotADirectory(String)
    /// STATIC_ROOT (or a file in it) could not be read.
    case unreadable(path: String, errno: Int32)
    /// `staticfiles.json` exists but cannot be read as a manifest.
    case badManifest(path: String, reason: String)
    /// The address could not be bound.
    case cannotBind(host: String, port: Int, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .rootNotADirectory(let path):
            return "\(path): not a directory (pass the STATIC_ROOT that `hush collect` wrote with --root)"
        case .unreadable(let path, let errno):
            return "\(path): cannot read (\(SystemError.describe(errno)))"
        case .badManifest(let path, let reason):
            return "\(path): \(reason) (re-run `hush collect`, or remove the file to treat 12-hex names as hashed)"
        case .cannotBind(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason) (choose another --port or --host)"
        case .invalidConfiguration(let why):
            return why
        }
    }
}
