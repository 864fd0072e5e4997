import ArgumentParser

@main
struct Hush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hush",
        abstract: "Collect static assets with content-hashed names and serve them.",
        subcommands: [ServeCommand.self]
    )
}
