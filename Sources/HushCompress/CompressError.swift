import HushCore
import HushSystem

/// Why a compression, decompression or sibling write failed.
///
/// Every case renders as one line a user can act on, naming the file when there is one
/// (`static/app.js: cannot read: Input/output error`).
public enum CompressError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened for reading.
    case cannotOpen(path: String, errno: Int32)
    /// Reading the file failed part-way.
    case cannotRead(path: String, errno: Int32)
    /// Creating or writing the compressed output failed (a full disk, a read-only directory).
    case cannotWrite(path: String, errno: Int32)
    /// The file's size or modification time changed while it was being read: the sibling would
    /// mix old and new content, so none was written.
    case changedWhileReading(path: String)
    /// Moving the finished temporary file onto its final name failed.
    case cannotRename(from: String, to: String, errno: Int32)
    /// The C library refused to set up or run the encoder (out of memory, misuse such as
    /// feeding a finished stream). `path` is the file being compressed, when known.
    case encoderFailed(coding: ContentCoding, path: String?, detail: String)
    /// The compressed input is not a complete, valid stream of `coding`.
    case corruptInput(coding: ContentCoding, detail: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            return "\(path): cannot open: \(Self.message(code))"
        case .cannotRead(let path, let code):
            return "\(path): cannot read: \(Self.message(code))"
        case .cannotWrite(let path, let code):
            return "\(path): cannot write: \(Self.message(code))"
        case .changedWhileReading(let path):
            return "\(path): changed while being read; run again once it is stable"
        case .cannotRename(let from, let to, let code):
            return "\(to): cannot rename \(from) onto it: \(Self.message(code))"
        case .encoderFailed(let coding, let path, let detail):
            return "\(path ?? "<memory>"): \(coding.token) encoder failed: \(detail)"
        case .corruptInput(let coding, let detail):
            return "not a valid \(coding.token) stream: \(detail)"
        }
    }

    /// The same error, naming `path` if it did not name a file yet.
    func naming(_ path: String) -> CompressError {
        if case .encoderFailed(let coding, nil, let detail) = self {
            return .encoderFailed(coding: coding, path: path, detail: detail)
        }
        return self
    }

    private static func message(_ code: Int32) -> String { SystemError.describe(code) }
}
