/// A lazy stream of rows: `next()` is called once per xNext, so a walker
/// behind it does only the work the query pulls (LIMIT stops the walk).
public struct Rows<Row> {
    @usableFromInline let next: () throws -> Row?

    /// Rows from a pull function; return nil at the end.
    @inlinable public init(next: @escaping () throws -> Row?) { self.next = next }

    /// Rows from any (preferably lazy) sequence.
    @inlinable public init<S: Sequence>(_ sequence: S) where S.Element == Row {
        var iterator = sequence.makeIterator()
        self.next = { iterator.next() }
    }

    /// Rows produced a group at a time (each task's VMAs, each task's open
    /// files): `expand` runs only when the previous group is used up, so a
    /// LIMIT still stops the walk after the group it needed.
    public init<Item>(flattening nextItem: @escaping () throws -> Item?, _ expand: @escaping (Item) throws -> [Row]) {
        var pending: [Row] = []
        var index = 0
        self.next = {
            while index >= pending.count {
                guard let item = try nextItem() else { return nil }
                pending = try expand(item)
                index = 0
            }
            index += 1
            return pending[index - 1]
        }
    }

    /// At most one row per item (each process's mm, its root and cwd):
    /// items that give nil (kernel threads, exited tasks) are skipped.
    public init<Item>(compactMapping nextItem: @escaping () throws -> Item?, _ transform: @escaping (Item) throws -> Row?) {
        self.next = {
            while let item = try nextItem() {
                if let row = try transform(item) { return row }
            }
            return nil
        }
    }

    public static var empty: Rows { Rows(next: { nil }) }
}
