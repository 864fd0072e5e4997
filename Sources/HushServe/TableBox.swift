import NIOConcurrencyHelpers

/// Holds the current ``FileTable`` so a reload can swap it while requests run.
///
/// A connection takes the table once per read burst; a request in flight keeps using the table
/// it started with (its buffers and descriptors stay alive through reference counting), so a
/// swap never fails a request.
public final class TableBox: Sendable {
    private let table: NIOLockedValueBox<FileTable>

    public init(_ table: FileTable) {
        self.table = NIOLockedValueBox(table)
    }

    /// The table new requests are answered from.
    public var current: FileTable { table.withLockedValue { $0 } }

    /// Makes `newTable` current; returns the previous one.
    @discardableResult
    public func swap(_ newTable: FileTable) -> FileTable {
        table.withLockedValue { old in
            let previous = old
            old = newTable
            return previous
        }
    }
}
