import ArgumentParser

/// An error the CLI reports as one line on stderr, with its exit status.
struct CLIFailure: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32
    var description: String { message }
}
