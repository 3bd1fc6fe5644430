import KdsqlMemory

/// Per-object failure: on a damaged dump one unreadable object (a task whose
/// mm_struct sits on an excluded page, a module, a socket) must not end the
/// scan. These forms of `Rows` skip such an item, record it in the session's
/// `KernelWarnings` (kdsql_warnings, and one stderr line per statement) and go
/// on; an error that is not about unreadable memory, or any error under
/// `--strict`, still ends the statement.
extension Rows {
    /// `flattening`, skipping items whose rows cannot be read.
    public init<Item>(flattening nextItem: @escaping () throws -> Item?, skipping context: ConnectionContext, table: String,
                      object: String, at address: @escaping (Item) -> UInt64?, _ expand: @escaping (Item) throws -> [Row]) {
        let warnings = context.kernel?.warnings
        self.init(flattening: nextItem) { item in
            do {
                return try expand(item)
            } catch {
                guard let warnings else { throw error }
                warnings.scope = table
                try warnings.skip(object, at: address(item), because: error)
                return []
            }
        }
    }

    /// `compactMapping`, skipping items that cannot be read.
    public init<Item>(compactMapping nextItem: @escaping () throws -> Item?, skipping context: ConnectionContext, table: String,
                      object: String, at address: @escaping (Item) -> UInt64?, _ transform: @escaping (Item) throws -> Row?) {
        let warnings = context.kernel?.warnings
        self.init(compactMapping: nextItem) { item in
            do {
                return try transform(item)
            } catch {
                guard let warnings else { throw error }
                warnings.scope = table
                try warnings.skip(object, at: address(item), because: error)
                return nil
            }
        }
    }

    /// Rows whose readability is checked first: `check` reads what makes the
    /// row worth showing (a task's pid); a row that fails it is skipped.
    public init(next: @escaping () throws -> Row?, skipping context: ConnectionContext, table: String,
                object: String, at address: @escaping (Row) -> UInt64?, check: @escaping (Row) throws -> Void) {
        let warnings = context.kernel?.warnings
        self.init(next: {
            while let row = try next() {
                do {
                    try check(row)
                    return row
                } catch {
                    guard let warnings else { throw error }
                    warnings.scope = table
                    try warnings.skip(object, at: address(row), because: error)
                }
            }
            return nil
        })
    }
}
