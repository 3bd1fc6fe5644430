/// What makes a row the row it is, across every scan of one statement: the
/// kernel object(s) it describes (a task_struct, a (task, frame) pair, a
/// log sequence number). SQLite's OR and IN plans run a table several times
/// and merge the results by rowid, so the same row must get the same rowid
/// in every run and different rows different ones; a cursor therefore
/// numbers identities in the order it first meets them (`RowNumbering`).
public struct RowIdentity: Hashable, Sendable {
    public var a: UInt64, b: UInt64, c: UInt64
    public init(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) {
        self.a = a
        self.b = b
        self.c = c
    }
    /// Signed values (pids, fds, CPU numbers) by bit pattern.
    public init(_ a: Int64, _ b: Int64 = 0, _ c: Int64 = 0) {
        self.init(UInt64(bitPattern: a), UInt64(bitPattern: b), UInt64(bitPattern: c))
    }
    public init(_ a: Int, _ b: Int = 0, _ c: Int = 0) { self.init(Int64(a), Int64(b), Int64(c)) }
}

/// Rowids of one cursor: identity → 1, 2, 3, ... in first-seen order. Only
/// xRowid consults it, which SQLite calls for OR/IN de-duplication and for
/// `rowid` in a query, so a plain scan pays nothing.
@usableFromInline
final class RowNumbering {
    private var ids: [RowIdentity: Int64] = [:]
    init() {}
    @usableFromInline
    func rowid(_ identity: RowIdentity) -> Int64 {
        if let id = ids[identity] { return id }
        let id = Int64(ids.count + 1)
        ids[identity] = id
        return id
    }
}

extension RowIdentity {
    /// A row known by a name (a counter, a key): FNV-1a of its UTF-8 bytes
    /// and their count.
    public init(text: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var count: UInt64 = 0
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            count += 1
        }
        self.init(hash, count)
    }
}
